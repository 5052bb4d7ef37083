"""Box arithmetic between the MTCNN stages, on NumPy rows.

A row is ``[image_index, x1, y1, x2, y2, score, *landmarks]`` in float64. Each function keeps
the `mtcnn` package's exact arithmetic (and its quirks) so that our answers match its answers.
"""

from __future__ import annotations

import numpy as np

IMAGE, X1, Y1, X2, Y2, SCORE = range(6)
EMPTY = np.empty((0, 6))

# Candidate pairs compared at once in non-maximum suppression (8 bytes each, a few arrays).
_PAIRS_PER_BLOCK = 2**21
# PNet sees 12x12 windows with a stride of 2 in each pyramid level.
_CELL = 12
_STRIDE = 2


def by_score(rows: np.ndarray) -> np.ndarray:
    """Rows in descending score order, ties broken as the package breaks them."""
    return rows[np.argsort(rows[:, SCORE])[::-1]]


def windows_to_rows(windows: np.ndarray, values: np.ndarray, *, scale: float) -> np.ndarray:
    """PNet's windows of one pyramid level (``[image, y, x]`` in its output map, with
    ``[probability, 4 offsets]``) as rows in image pixels, best first: each 12-pixel window
    moved by its offsets, then divided by the level's ``scale``."""
    if len(windows) == 0:
        return EMPTY
    index, y, x = windows.T
    reg = values[:, 1:].astype(np.float64)
    size = _CELL - 1  # the package measures windows as 11 pixels wide
    rows = np.empty((len(windows), 6))
    rows[:, IMAGE] = index
    rows[:, X1] = x * _STRIDE + 1 + reg[:, 0] * size
    rows[:, Y1] = y * _STRIDE + 1 + reg[:, 1] * size
    rows[:, X2] = x * _STRIDE + _CELL + reg[:, 2] * size
    rows[:, Y2] = y * _STRIDE + _CELL + reg[:, 3] * size
    rows[:, SCORE] = values[:, 0]
    rows = by_score(rows)
    rows[:, X1:SCORE] /= scale
    return rows


def _overlap(a: np.ndarray, b: np.ndarray, method: str) -> np.ndarray:
    """Overlap of every box of ``a`` (rows) with every box of ``b`` (columns): intersection
    over union, or over the smaller area (``method="min"``), as the package computes them."""
    width = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    height = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.maximum(0, width) * np.maximum(0, height)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "union":
            return inter / (area_a[:, None] + area_b[None, :] - inter)
        return inter / np.minimum(area_a[:, None], area_b[None, :])


def _suppressed(boxes: np.ndarray, threshold: float, method: str) -> np.ndarray:
    """For boxes best first: whether any better box overlaps each one above ``threshold``.

    The package compares all pairs at once, which takes N^2 memory: a crowd (or a crafted
    image) with 30 000 candidates needs tens of GB and kills the process. Only boxes that
    overlap along x can overlap at all, so a block of boxes sorted by x is compared with its
    neighbours along x only: the same answer, in bounded memory.
    """
    count = len(boxes)
    by_x = np.argsort(boxes[:, 0], kind="stable")
    x1_sorted = boxes[by_x, 0]
    # The widest box bounds how far left a box can start and still reach another (+1 for
    # rounding in the widths).
    reach = max(0.0, float(np.max(boxes[:, 2] - boxes[:, 0]))) + 1.0
    block = max(16, min(1024, _PAIRS_PER_BLOCK // count))
    suppressed = np.zeros(count, dtype=bool)
    for start in range(0, count, block):
        columns = by_x[start : start + block]
        low = np.searchsorted(x1_sorted, boxes[columns, 0].min() - reach, side="right")
        high = np.searchsorted(x1_sorted, boxes[columns, 2].max(), side="left")
        candidates = by_x[low:high]
        above = _overlap(boxes[candidates], boxes[columns], method) > threshold
        above &= candidates[:, None] < columns[None, :]  # only a better box suppresses
        suppressed[columns] = above.any(axis=0)
    return suppressed


def suppress(
    rows: np.ndarray, *, threshold: float, method: str = "union", sort: bool = True
) -> np.ndarray:
    """Non-maximum suppression per image, as the package does it: a row is dropped when any
    better row of its image overlaps it above ``threshold``, even one itself dropped."""
    if len(rows) == 0:
        return rows
    if sort:
        rows = by_score(rows)
    kept = []
    for image in np.unique(rows[:, IMAGE]):
        group = rows[rows[:, IMAGE] == image]
        if len(group) > 1:
            group = group[~_suppressed(group[:, X1:SCORE], threshold, method)]
        kept.append(group)
    return np.concatenate(kept)


def to_square(rows: np.ndarray) -> np.ndarray:
    """Grow each box to a square on its longer side, keeping its centre."""
    rows = rows.copy()
    width = rows[:, X2] - rows[:, X1]
    height = rows[:, Y2] - rows[:, Y1]
    side = np.maximum(width, height)
    rows[:, X1] = rows[:, X1] + width * 0.5 - side * 0.5
    rows[:, Y1] = rows[:, Y1] + height * 0.5 - side * 0.5
    rows[:, X2] = rows[:, X1] + side
    rows[:, Y2] = rows[:, Y1] + side
    return rows


def apply_offsets(rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Move each corner by a network's regression, in units of the box's size (+1 pixel)."""
    rows = rows.copy()
    width = rows[:, X2] - rows[:, X1] + 1
    height = rows[:, Y2] - rows[:, Y1] + 1
    rows[:, X1:SCORE] += offsets * np.stack([width, height, width, height], axis=-1)
    return rows


def place_landmarks(rows: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """ONet's landmarks (x1..x5, y1..y5, relative to each box) in image pixels."""
    landmarks = landmarks.astype(np.float64)
    width = rows[:, X2 : X2 + 1] - rows[:, X1 : X1 + 1] + 1
    height = rows[:, Y2 : Y2 + 1] - rows[:, Y1 : Y1 + 1] + 1
    landmarks[:, 0:5] = width * landmarks[:, 0:5] + rows[:, X1 : X1 + 1] - 1
    landmarks[:, 5:10] = height * landmarks[:, 5:10] + rows[:, Y1 : Y1 + 1] - 1
    return landmarks


def crop_boxes(rows: np.ndarray, *, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The boxes as ``crop_and_resize`` takes them: normalised ``[y1, x1, y2, x2]`` (divided by
    the image size, as the package does, not by size - 1) and each box's image index."""
    boxes = rows[:, [Y1, X1, Y2, X2]] / np.asarray([[height, width, height, width]])
    return boxes.astype(np.float32), rows[:, IMAGE].astype(np.int32)


def clip_to_image(rows: np.ndarray, *, height: int, width: int) -> np.ndarray:
    """Keep box corners inside the image (landmarks stay where they are, as in the package)."""
    rows = rows.copy()
    rows[:, [X1, X2]] = np.clip(rows[:, [X1, X2]], 0, width - 1)
    rows[:, [Y1, Y2]] = np.clip(rows[:, [Y1, Y2]], 0, height - 1)
    return rows
