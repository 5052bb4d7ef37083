"""The test photos the benchmarks run on, letterboxed to the common sizes."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

SIZES = ((640, 480), (1280, 720), (1920, 1080))
# Mid-grey bars: letterboxing keeps every face whole and undistorted at any aspect ratio.
_BARS = (128, 128, 128)


def photos_dir() -> Path:
    """TESTDATA_DIR/faces, by default the shared test data beside the checkout."""
    root = Path(__file__).resolve().parents[2] / "shared" / "testdata"
    return Path(os.environ.get("TESTDATA_DIR", root)) / "faces"


def parse_size(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480)."""
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def load_photos(
    size: tuple[int, int] | None, directory: Path | None = None
) -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8 array) for each photo, letterboxed to ``size`` (width, height), or as
    they are when ``size`` is None."""
    photos = []
    for path in sorted((directory or photos_dir()).glob("*.jpg")):
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            if size is not None:
                image = ImageOps.pad(image, size, method=Image.Resampling.LANCZOS, color=_BARS)
            photos.append((path.name, np.asarray(image)))
    if not photos:
        raise SystemExit(f"No *.jpg test photos in {directory or photos_dir()} (set TESTDATA_DIR).")
    return photos


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    """The array as JPEG bytes, as a client would upload it."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
