"""The image pyramid PNet scans: which scales, and the size of each level."""

from __future__ import annotations

import numpy as np

# PNet's window: a face of `min_face_size` pixels is scaled down to this many.
WINDOW = 12


def pyramid_scales(
    height: int, width: int, *, min_face_size: int, scale_factor: float
) -> np.ndarray:
    """The scales of the pyramid, largest first, exactly as the `mtcnn` package computes them."""
    count = round(-((np.log(min(width, height) / WINDOW) / np.log(scale_factor)) + 1))
    return (WINDOW / min_face_size) * scale_factor ** np.arange(count)


def level_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """The pixel size of one level: truncated, as TensorFlow truncates the package's float size."""
    return int(height * scale), int(width * scale)
