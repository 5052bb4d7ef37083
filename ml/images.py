"""Reading untrusted image bytes: a cheap header probe, then a full decode to RGB.

Every function here treats its input as hostile: the pixel count is checked from the header
before any pixel is decoded, and every decoder error becomes an ``ImageError`` subclass.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import struct
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
# Pillow's TIFF reader applies the orientation tag itself: the size it reports at open is the
# displayed one, and loading transposes the pixels. Every other format leaves it to us.
_ORIENTED_BY_PILLOW = frozenset({"TIFF"})
_DECODER_ERRORS = (
    OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError, struct.error,
)  # fmt: skip


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
    reported width and height were computed from, so boxes and size always agree. A TIFF is
    only loaded: Pillow's TIFF reader transposes it itself.
    """
    if _format_of(image) in _ORIENTED_BY_PILLOW:
        image.load()  # Pillow transposes as it loads
        return image
    method = _UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def _info(image: Image.Image, data: bytes) -> ImageInfo:
    orientation = _orientation(image)
    image_format = _format_of(image)
    width, height = image.size
    if orientation in (5, 6, 7, 8) and image_format not in _ORIENTED_BY_PILLOW:
        width, height = height, width  # rotated 90 degrees: the viewer sees it transposed
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
    frame only, transparency composited on white, grayscale and palette expanded, 16-bit, 32-bit
    and float grayscale scaled to 8 bits. The header checks of ``probe_image`` apply; the data
    is decoded once, at full size.

    Besides the decoded image, the result is the only full-size buffer: conversion goes a strip
    of rows at a time. Whole-image conversions made copies of several times the result's size
    (765 MB over a 40-megapixel RGBA PNG, 728 MB over a 16-bit one), in every worker process.
    """
    image = _open(data, max_pixels)
    info = _info(image, data)
    try:
        image.seek(0)
        image.load()
        array = _rgb_array(image)
    except _DECODER_ERRORS as exc:
        raise CorruptImageError("The image data is corrupt or truncated.") from exc
    finally:
        image.close()  # frees the decoded pixels before the rotation copies the result
    if info.format in _ORIENTED_BY_PILLOW:
        return array, info
    return _upright_array(array, info.exif_orientation), info


# Rows converted at a time: about a megapixel, so a strip's copies stay a few MB.
STRIP_PIXELS = 1 << 20
_HIGH_BIT = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I", "F"})
_ALPHA = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_WHITE = (255, 255, 255, 255)


def _rgb_array(image: Image.Image) -> np.ndarray:
    width, height = image.size
    convert = _strip_converter(image)
    rows = max(1, STRIP_PIXELS // width)
    if height <= rows:  # one strip, no crop: photos up to a megapixel, the common case
        converted = convert(image)
        return converted if converted.shape[2] == 3 else np.repeat(converted, 3, axis=2)
    array = np.empty((height, width, 3), np.uint8)
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        array[top:bottom] = convert(image.crop((0, top, width, bottom)))
    return array


def _strip_converter(image: Image.Image) -> Callable[[Image.Image], np.ndarray]:
    """How one strip of ``image`` becomes RGB (or one grey channel that broadcasts to it)."""
    if image.mode in _HIGH_BIT:
        return _GreyScaler(image)
    if image.mode in _ALPHA or _has_transparent_colour(image):
        # An alpha band, a palette's transparent entries, or a PNG's transparent colour (tRNS
        # on an L or RGB image): what is transparent shows white, as a viewer shows it on white.
        return _on_white
    if image.mode == "RGB":
        return np.asarray
    return lambda strip: np.asarray(strip.convert("RGB"))


def _has_transparent_colour(image: Image.Image) -> bool:
    """A palette's transparency, or an 8-bit transparent colour. A 16-bit PNG's colour (over
    255) is left alone: Pillow keeps its pixels' high bytes and would match the key's low
    byte, whitening pixels that are opaque."""
    key = image.info.get("transparency")
    if key is None:
        return False
    if image.mode in ("P", "PA") or isinstance(key, bytes):
        return True
    values = key if isinstance(key, tuple) else (key,)
    return all(isinstance(value, int) and 0 <= value <= 255 for value in values)


def _on_white(strip: Image.Image) -> np.ndarray:
    rgba = strip.convert("RGBA")
    background = Image.new("RGBA", rgba.size, _WHITE)
    return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"))


class _GreyScaler:
    """16-bit, 32-bit and float grey to 8 bits, scaled rather than clipped: the darkest of zero
    and the image's minimum becomes 0, its brightest 255. Without negative values that is a
    factor of 255 / maximum (a 12-bit scan's 4095 is white). Values that are not finite (float
    images) count as black, or white for +inf; they do not set the range."""

    def __init__(self, image: Image.Image) -> None:
        width, height = image.size
        rows = max(1, STRIP_PIXELS // width)
        low, high = 0.0, None
        for top in range(0, height, rows):
            values = np.asarray(image.crop((0, top, width, min(height, top + rows))))
            if values.dtype.kind == "f":
                values = values[np.isfinite(values)]
            if values.size:
                low = min(low, float(values.min()))
                high = float(values.max()) if high is None else max(high, float(values.max()))
        self.low = low
        span = 0.0 if high is None else high - low
        self.factor = 255.0 / span if span > 0 else 0.0

    def __call__(self, strip: Image.Image) -> np.ndarray:
        with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 when the image is flat
            values = (np.asarray(strip, dtype=np.float64) - self.low) * self.factor
        values = np.nan_to_num(values, nan=0.0, posinf=255.0, neginf=0.0)
        return np.clip(values, 0.0, 255.0, out=values).astype(np.uint8)[..., None]


# How each EXIF orientation is undone on an (H, W, 3) array, as ``upright`` does on an image.
_UPRIGHT_ARRAY: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def _upright_array(array: np.ndarray, orientation: int) -> np.ndarray:
    method = _UPRIGHT_ARRAY.get(orientation)
    return np.ascontiguousarray(method(array)) if method is not None else array
