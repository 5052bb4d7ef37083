"""Image statistics logged with each input: brightness, contrast and sharpness."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 luma weights, as Pillow uses for "L".
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def image_statistics(image: np.ndarray) -> dict[str, float]:
    """Brightness (mean luma, 0-255), contrast (luma standard deviation) and sharpness
    (variance of the 4-neighbour Laplacian) of an RGB uint8 array."""
    luma = image.astype(np.float32) @ _LUMA
    if min(luma.shape) >= 3:
        laplacian = (
            luma[:-2, 1:-1]
            + luma[2:, 1:-1]
            + luma[1:-1, :-2]
            + luma[1:-1, 2:]
            - 4 * luma[1:-1, 1:-1]
        )
        sharpness = float(laplacian.var())
    else:
        sharpness = 0.0
    return {
        "brightness": round(float(luma.mean()), 3),
        "contrast": round(float(luma.std()), 3),
        "sharpness": round(sharpness, 3),
    }
