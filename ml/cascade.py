"""The MTCNN cascade (PNet proposals, RNet refinement, ONet output) over a batch of same-size
images: one graph call for the whole pyramid, one per later stage, and the package's box
arithmetic in NumPy between them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ml import boxes
from ml.networks import Networks
from ml.pyramid import level_size, pyramid_scales

# Crops per RNet / ONet call: bounds the memory of their activations (ONet's first layer
# holds 270 KB a crop) when a crowd or a crafted image makes thousands of candidates.
_RNET_CROPS = 4096
_ONET_CROPS = 512


@dataclass(frozen=True)
class CascadeSettings:
    """The `mtcnn` package's parameters, with its defaults."""

    min_face_size: int = 20
    scale_factor: float = 0.709
    threshold_pnet: float = 0.6
    threshold_rnet: float = 0.7
    threshold_onet: float = 0.8
    nms_pnet_level: float = 0.5
    nms_pnet: float = 0.7
    nms_rnet: float = 0.7
    nms_onet: float = 0.7


def propose(
    networks: Networks, images: np.ndarray, size: tuple[int, int], settings: CascadeSettings
) -> tuple[tf.Tensor, np.ndarray]:
    """PNet over every pyramid level: the normalised images, and candidate boxes, squared."""
    scales = pyramid_scales(
        *size, min_face_size=settings.min_face_size, scale_factor=settings.scale_factor
    )
    levels = np.array([level_size(*size, scale) for scale in scales], np.int32).reshape(-1, 2)
    prepared, found_levels, windows, values = networks.scan(
        tf.constant(images),
        tf.constant(size, tf.int32),
        tf.constant(levels),
        tf.constant(settings.threshold_pnet, tf.float32),
    )
    found_levels, windows, values = found_levels.numpy(), windows.numpy(), values.numpy()
    ends = np.searchsorted(found_levels, np.arange(len(scales)), side="right")
    rows, start = [], 0
    for scale, end in zip(scales, ends, strict=True):
        level = boxes.windows_to_rows(windows[start:end], values[start:end], scale=scale)
        rows.append(boxes.suppress(level, threshold=settings.nms_pnet_level, sort=False))
        start = end
    if not rows:
        return prepared, boxes.EMPTY
    rows = boxes.suppress(np.concatenate(rows), threshold=settings.nms_pnet)
    return prepared, boxes.to_square(rows)


def refine(
    networks: Networks, images: tf.Tensor, rows: np.ndarray, settings: CascadeSettings
) -> np.ndarray:
    """RNet on each candidate: new scores and boxes, thresholded, suppressed, squared."""
    _, height, width, _ = images.shape
    crops, indices = boxes.crop_boxes(rows, height=height, width=width)
    offsets, scores = _in_chunks(networks.rnet, images, crops, indices, _RNET_CROPS)
    rows = rows.copy()
    rows[:, boxes.SCORE] = scores
    rows = boxes.apply_offsets(rows, offsets)
    rows = rows[rows[:, boxes.SCORE] > settings.threshold_rnet]
    return boxes.to_square(boxes.suppress(rows, threshold=settings.nms_rnet))


def finish(
    networks: Networks, images: tf.Tensor, rows: np.ndarray, settings: CascadeSettings
) -> np.ndarray:
    """ONet on each refined box: final scores, boxes and landmarks (16 columns)."""
    _, height, width, _ = images.shape
    crops, indices = boxes.crop_boxes(rows, height=height, width=width)
    offsets, landmarks, scores = _in_chunks(networks.onet, images, crops, indices, _ONET_CROPS)
    landmarks = boxes.place_landmarks(rows, landmarks)
    rows = rows.copy()
    rows[:, boxes.SCORE] = scores
    rows = np.concatenate([boxes.apply_offsets(rows, offsets), landmarks], axis=1)
    rows = rows[rows[:, boxes.SCORE] > settings.threshold_onet]
    return boxes.suppress(rows, threshold=settings.nms_onet, method="min")


def _in_chunks(
    network: tf.types.experimental.ConcreteFunction,
    images: tf.Tensor,
    crops: np.ndarray,
    indices: np.ndarray,
    size: int,
) -> list[np.ndarray]:
    """A network's outputs on all crops, computed ``size`` crops at a time."""
    parts = [
        [output.numpy() for output in network(images, crops[i : i + size], indices[i : i + size])]
        for i in range(0, len(crops), size)
    ]
    return [np.concatenate(outputs) for outputs in zip(*parts, strict=True)]


def run_cascade(
    networks: Networks, images: np.ndarray, *, size: tuple[int, int], settings: CascadeSettings
) -> list[np.ndarray]:
    """Faces in a (B, H, W, 3) uint8 batch, detected at ``size`` (height, width): one array of
    rows per image, best first, in pixels of ``size``, not yet clipped to the image."""
    prepared, rows = propose(networks, images, size, settings)
    for stage in (refine, finish):
        if len(rows) == 0:
            break
        rows = stage(networks, prepared, rows, settings)
    per_image = [rows[rows[:, boxes.IMAGE] == index] for index in range(len(images))]
    return per_image if len(rows) else [np.empty((0, 16)) for _ in range(len(images))]
