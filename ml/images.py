"""Reading untrusted image bytes: a cheap header probe, then a full decode to RGB.

Every function here treats its input as hostile: the pixel count is checked from the header
before any pixel is decoded, and every decoder error becomes an ``ImageError`` subclass.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from ml.errors import CorruptImageError, ImageTooLargeError, UnsupportedImageError

# Pillow's own bomb guard stays on as a second line; ours runs first, from the header.
SUPPORTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
# Formats Pillow names apart that are one of ours: a JPEG with a multi-picture (MPF) block,
# as many phones and cameras write, opens as "MPO"; its first picture is the photo.
_SAME_AS = {"MPO": "JPEG"}
# Magic numbers of the supported formats: bytes that start like one of them but that Pillow
# cannot open are a broken image (400), anything else is not an image we take (415).
_MAGIC = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)
_EXIF_ORIENTATION = 0x0112
_DECODER_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError)


@dataclass(frozen=True)
class ImageInfo:
    """What the header says, in displayed orientation (EXIF applied)."""

    format: str
    content_type: str
    width: int
    height: int
    mode: str
    exif_orientation: int
    size_bytes: int
    sha256: str

    @property
    def pixels(self) -> int:
        return self.width * self.height


def _looks_like_supported(data: bytes) -> bool:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return any(data.startswith(magic) for magic in _MAGIC)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our formats' parsers ever see the bytes, not every format Pillow knows; so
            # the image is one of ours (a JPEG with an MPF block opens as "MPO", see _SAME_AS).
            image = Image.open(io.BytesIO(data), formats=sorted(SUPPORTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"Image has too many pixels (limit {max_pixels}).") from exc
    except UnidentifiedImageError as exc:
        if _looks_like_supported(data):
            raise CorruptImageError("The image data is corrupt or truncated.") from exc
        raise UnsupportedImageError(
            "Not a supported image; send JPEG, PNG, WebP, GIF, BMP or TIFF."
        ) from exc
    except _DECODER_ERRORS as exc:
        raise CorruptImageError("The image data is corrupt or truncated.") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImageError("The image has no pixels.")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"Image is {width}x{height} ({width * height} pixels); the limit is {max_pixels}."
        )
    return image


def _format_of(image: Image.Image) -> str:
    return _SAME_AS.get(image.format, image.format)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
        number = float(value)  # an int, or 6.0 written as a rational by some cameras
    except (*_DECODER_ERRORS, ArithmeticError):
        return 1
    return int(number) if number.is_integer() and 1 <= number <= 8 else 1


# How each EXIF orientation is undone (as Pillow's exif_transpose does it).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """The image as displayed under an EXIF ``orientation`` (1-8, as ``ImageInfo`` gives it).

    Unlike ImageOps.exif_transpose it never rewrites the EXIF block, which raises on tags of
    an unexpected type (some cameras write them); and the orientation is the one the
    reported width and height were computed from, so boxes and size always agree.
    """
    method = _UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def _info(image: Image.Image, data: bytes) -> ImageInfo:
    orientation = _orientation(image)
    width, height = image.size
    if orientation in (5, 6, 7, 8):  # rotated 90 degrees: the viewer sees it transposed
        width, height = height, width
    image_format = _format_of(image)
    return ImageInfo(
        format=image_format,
        content_type=CONTENT_TYPES[image_format],
        width=width,
        height=height,
        mode=image.mode,
        exif_orientation=orientation,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def probe_image(
    data: bytes,
    *,
    max_pixels: int,
    decode_guard: Callable[[int], AbstractContextManager] | None = None,
) -> ImageInfo:
    """Identify the image and check its size from the header alone, then verify that its data
    decodes (at reduced scale for JPEG, so this stays cheap enough for the web process).

    ``decode_guard(pixels)``, if given, is entered around the decode with the number of pixels
    it will produce (a 64th of the image's for a JPEG): a caller can bound how many are held
    in memory at once, since a few KB of WebP or PNG can decode to 40 million pixels.
    """
    image = _open(data, max_pixels)
    info = _info(image, data)
    try:
        decoded_pixels = image.width * image.height
        if _format_of(image) == "JPEG":
            # DCT scaling decodes every block at 1/8 size: truncation still shows, cheaply.
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            decoded_pixels = image.width * image.height
        with decode_guard(decoded_pixels) if decode_guard else contextlib.nullcontext():
            image.load()
    except _DECODER_ERRORS as exc:
        raise CorruptImageError("The image data is corrupt or truncated.") from exc
    finally:
        image.close()
    return info


def decode_image(data: bytes, *, max_pixels: int) -> tuple[np.ndarray, ImageInfo]:
    """Decode to an RGB uint8 array (H, W, 3) as displayed: EXIF orientation applied, first
    frame only, alpha composited on white, grayscale and palette expanded. The header checks
    of ``probe_image`` apply; the data is decoded once, at full size."""
    image = _open(data, max_pixels)
    info = _info(image, data)
    try:
        image.seek(0)
        image.load()
        image = upright(image, info.exif_orientation)
        image = _to_rgb(image)
        array = np.asarray(image, dtype=np.uint8)
    except _DECODER_ERRORS as exc:
        raise CorruptImageError("The image data is corrupt or truncated.") from exc
    if array.ndim != 3 or array.shape[2] != 3:
        raise CorruptImageError("The image could not be converted to RGB.")
    return array, info


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grayscale: scale to 8 bits instead of clipping.
        array = np.asarray(image, dtype=np.float64)
        peak = array.max() or 1.0
        image = Image.fromarray((array * (255.0 / peak)).astype(np.uint8), mode="L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
