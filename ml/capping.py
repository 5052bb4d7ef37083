"""The cap on the longer side of the image the detector sees, and the way back to full size."""

from __future__ import annotations

import numpy as np

from ml import boxes


def detection_size(height: int, width: int, max_side: int | None) -> tuple[int, int]:
    """The (height, width) to detect at: the image's own, or scaled down so that its longer side
    is ``max_side``."""
    longest = max(height, width)
    if max_side is None or longest <= max_side:
        return height, width
    factor = max_side / longest
    return max(1, round(height * factor)), max(1, round(width * factor))


def to_full_size(
    rows: np.ndarray, *, detected: tuple[int, int], full: tuple[int, int]
) -> np.ndarray:
    """Rows found at the ``detected`` size, boxes and landmarks scaled to the ``full`` size."""
    if detected == full:
        return rows
    rows = rows.copy()
    y_factor, x_factor = full[0] / detected[0], full[1] / detected[1]
    rows[:, [boxes.X1, boxes.X2]] *= x_factor
    rows[:, [boxes.Y1, boxes.Y2]] *= y_factor
    rows[:, 6:11] *= x_factor
    rows[:, 11:16] *= y_factor
    return rows
