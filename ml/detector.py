"""The detector interface the service depends on, and the MTCNN backend behind it.

`MTCNNDetector` gives the answers of the `mtcnn` package's own loop (``MTCNN().detect_faces``
one image at a time, default settings), several times faster: the networks run as compiled
TensorFlow graphs (`ml.networks`), the whole pyramid is one graph call and each later stage one
more (`ml.cascade`), and the box arithmetic between them stays the package's (`ml.boxes`).

``max_side`` caps the longer side of the image the networks see; boxes and landmarks are mapped
back to the full image. The default, 1920, comes from bench/bench_max_side.py (figures in
bench/README.md): up to 1920 px (1080p, and every benchmark size) nothing changes and answers
are the package's; a 4K or 12 MP photo costs 4.5 to 5 times less than uncapped, at most 1.6
times a 1080p photo. The price, above 1920 px only: the smallest face found grows from 20 px in
proportion (40 px on a 3840 px photo) and boxes move by a few pixels. ``None`` keeps the
package's answers at any size.
"""

from __future__ import annotations

import importlib.metadata
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ml import boxes
from ml.capping import detection_size, to_full_size
from ml.faces import LANDMARK_NAMES, Face

DEFAULT_MAX_SIDE = 1920


class Detector(Protocol):
    """Finds faces in RGB uint8 images (H, W, 3)."""

    name: str
    version: str

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Face]]:
        """One list of faces per image, in the order given."""
        ...


class MTCNNDetector:
    """The `mtcnn` package's detector with its default thresholds and 20 px minimum face."""

    name = "mtcnn"

    def __init__(self, *, device: str = "CPU:0", max_side: int | None = DEFAULT_MAX_SIDE) -> None:
        # TensorFlow loads here, not on import: the web process imports this module too.
        import tensorflow as tf

        from ml.cascade import CascadeSettings
        from ml.networks import load_networks

        if max_side is not None and max_side < 48:
            raise ValueError("max_side must be at least 48 pixels, or None for no cap.")
        self.version = importlib.metadata.version("mtcnn")
        self.max_side = max_side
        self._device = device
        self._settings = CascadeSettings()
        with tf.device(device):
            self._networks = load_networks()

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Face]]:
        """One list of faces per image, best first; images of the same size share each call."""
        import tensorflow as tf

        from ml.cascade import run_cascade

        results: list[list[Face]] = [[] for _ in images]
        for full, indices in _group_by_shape(images).items():
            size = detection_size(*full, self.max_side)
            batch = _stack(images, indices)
            with tf.device(self._device):
                found = run_cascade(self._networks, batch, size=size, settings=self._settings)
            for index, rows in zip(indices, found, strict=True):
                rows = to_full_size(rows, detected=size, full=full)
                rows = boxes.clip_to_image(rows, height=full[0], width=full[1])
                results[index] = [face_from_row(row) for row in rows]
        return results


def _group_by_shape(images: Sequence[np.ndarray]) -> dict[tuple[int, int], list[int]]:
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, image in enumerate(images):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"Expected an RGB uint8 array (H, W, 3), got {image.dtype} {image.shape}."
            )
        groups[image.shape[:2]].append(index)
    return groups


def _stack(images: Sequence[np.ndarray], indices: list[int]) -> np.ndarray:
    if len(indices) == 1:  # a view, not a copy: one image is the common case
        return images[indices[0]][None]
    return np.stack([images[i] for i in indices])


def face_from_row(row: np.ndarray) -> Face:
    """Convert one cascade row (box corners, score, landmark x's then y's) to a Face, rounding
    as the package's JSON output does."""
    x1, y1, x2, y2, confidence = (float(v) for v in row[boxes.X1 : boxes.SCORE + 1])
    landmarks = {
        name: (round(float(row[6 + i])), round(float(row[11 + i])))
        for i, name in enumerate(LANDMARK_NAMES)
    }
    return Face(
        x=round(x1),
        y=round(y1),
        width=round(x2 - x1),
        height=round(y2 - y1),
        confidence=confidence,
        landmarks=landmarks,
    )


def face_from_mtcnn(item: dict) -> Face:
    """Convert one of `mtcnn`'s JSON results to a Face."""
    x, y, width, height = (round(float(v)) for v in item["box"])
    keypoints = item["keypoints"]
    landmarks = {
        name: (round(float(keypoints[name][0])), round(float(keypoints[name][1])))
        for name in LANDMARK_NAMES
    }
    return Face(
        x=x,
        y=y,
        width=width,
        height=height,
        confidence=float(item["confidence"]),
        landmarks=landmarks,
    )
