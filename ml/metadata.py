"""Image statistics logged with each input: brightness, contrast and sharpness."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ml.images import STRIP_PIXELS

# Sharpness is measured at this longer side at most, so that it compares across photo sizes
# and costs about a millisecond instead of tens on a large photo.
SHARPNESS_SIDE = 640


def image_statistics(image: np.ndarray) -> dict[str, float]:
    """Brightness (mean luma, 0-255), contrast (luma standard deviation) and sharpness
    (variance of the 4-neighbour Laplacian of the luma, at SHARPNESS_SIDE px at most) of an
    RGB uint8 array."""
    luma_image = _luma(image)
    brightness, contrast = _mean_and_stddev(luma_image.histogram())
    if max(luma_image.size) > SHARPNESS_SIDE:
        luma_image.thumbnail((SHARPNESS_SIDE, SHARPNESS_SIDE), Image.Resampling.BILINEAR)
    small = np.asarray(luma_image, dtype=np.float32)
    if min(small.shape) >= 3:
        laplacian = (
            small[:-2, 1:-1] + small[2:, 1:-1] + small[1:-1, :-2] + small[1:-1, 2:]
            - 4 * small[1:-1, 1:-1]
        )  # fmt: skip
        sharpness = float(laplacian.var())
    else:
        sharpness = 0.0
    return {
        "brightness": round(brightness, 3),
        "contrast": round(contrast, 3),
        "sharpness": round(sharpness, 3),
    }


def _luma(image: np.ndarray) -> Image.Image:
    """The luma of an RGB uint8 array (ITU-R BT.601 weights, Pillow's conversion to "L"), a strip
    of rows at a time: converting the whole array at once first copies it into a Pillow image
    at 4 bytes a pixel (160 MB for a 40-megapixel photo, beside its 120 MB array)."""
    height, width = image.shape[:2]
    rows = max(1, STRIP_PIXELS // width)
    if height <= rows:
        return Image.fromarray(image, mode="RGB").convert("L")
    luma = Image.new("L", (width, height))
    for top in range(0, height, rows):
        strip = np.ascontiguousarray(image[top : top + rows])
        luma.paste(Image.fromarray(strip, mode="RGB").convert("L"), (0, top))
    return luma


def _mean_and_stddev(histogram: list[int]) -> tuple[float, float]:
    """Mean and standard deviation of 8-bit values from their histogram: exact, and cheap at
    any image size. Two passes, deviations from the mean: Pillow's ImageStat computes the
    variance as (sum of squares - square of sum / n) / n, which rounding can make negative
    for a one-colour image (a white 999x1919 photo), and then fails on its square root."""
    counts = np.asarray(histogram, dtype=np.float64)
    total = counts.sum()
    if total == 0:
        return 0.0, 0.0
    values = np.arange(counts.size, dtype=np.float64)
    mean = float(counts @ values / total)
    variance = float(counts @ (values - mean) ** 2 / total)
    return mean, variance**0.5
