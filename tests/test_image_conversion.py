"""ml.images turning every image mode into the RGB array the detector sees, a strip at a time."""

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml import images as ml_images
from ml.images import decode_image, probe_image, upright
from tests.images import encode, png_chunk

LIMIT = 40_000_000
ROOT = Path(__file__).resolve().parent.parent


def decoded(image: Image.Image, fmt: str = "PNG", **params) -> np.ndarray:
    array, _ = decode_image(encode(image, fmt, **params), max_pixels=LIMIT)
    assert array.dtype == np.uint8 and array.flags.c_contiguous
    return array


def test_sixteen_bit_grey_is_scaled_by_its_brightest_value():
    # A 12-bit scan stored in 16 bits: 4095 is white, not a sixteenth of it.
    values = np.array([[0, 1365, 2730, 4095]], np.uint16)
    array = decoded(Image.fromarray(values))
    assert array[0, :, 0].tolist() == [0, 85, 170, 255]
    assert (array == array[..., :1]).all()  # grey in all three channels


def test_signed_grey_maps_its_range_onto_black_to_white():
    # Mode I TIFF with negative values used to wrap around in uint8.
    values = np.array([[-1000, 0, 1000]], np.int32)
    array = decoded(Image.fromarray(values), "TIFF")
    assert array[0, :, 0].tolist() == [0, 127, 255]


def test_float_grey_between_zero_and_one_is_not_black():
    values = np.array([[0.0, 0.5, 1.0, np.nan, np.inf, -np.inf]], np.float32)
    array = decoded(Image.fromarray(values), "TIFF")
    assert array[0, :, 0].tolist() == [0, 127, 255, 0, 255, 0]


@pytest.mark.parametrize(("value", "expected"), [(0.0, 0), (np.nan, 0), (7.5, 255)])
def test_a_flat_float_image_has_no_range_to_divide_by(value, expected):
    array = decoded(Image.fromarray(np.full((3, 4), value, np.float32)), "TIFF")
    assert (array == expected).all()


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_transparent_colour_shows_white(mode):
    # A PNG's tRNS colour on an L or RGB image is transparency like an alpha band.
    key = 7 if mode == "L" else (7, 7, 7)
    image = Image.new(mode, (4, 2), key)
    image.putpixel((0, 0), 100 if mode == "L" else (100, 100, 100))
    array = decoded(image, transparency=key)
    assert array[0, 0].tolist() == [100, 100, 100]
    assert (array.reshape(-1, 3)[1:] == 255).all()


def test_a_sixteen_bit_transparent_colour_is_left_alone():
    # Pillow keeps the high byte of 16-bit pixels, and would match the key's low byte: 0x3412
    # (opaque) would turn white while 0x1234 (the transparent colour) stayed.
    row = b"\x00" + struct.pack(">6H", *[0x3412] * 3, *[0x1234] * 3)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 16, 2, 0, 0, 0))
        + png_chunk(b"tRNS", struct.pack(">3H", 0x1234, 0x1234, 0x1234))
        + png_chunk(b"IDAT", zlib.compress(row))
        + png_chunk(b"IEND", b"")
    )
    array, _ = decode_image(png, max_pixels=LIMIT)
    assert array.tolist() == [[[0x34] * 3, [0x12] * 3]]


def photo_like(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def many_modes() -> list[tuple[str, bytes]]:
    rgb = photo_like(300, 170)
    rgba = rgb.copy()
    rgba.putalpha(rgb.convert("L"))
    grey16 = Image.fromarray(np.asarray(rgb.convert("L"), np.uint16) * 16)
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE)
    return [
        ("RGB", encode(rgb, "PNG")),
        ("RGBA", encode(rgba, "PNG")),
        ("LA", encode(rgba.convert("LA"), "PNG")),
        ("L", encode(rgb.convert("L"), "PNG")),
        ("P with a transparent entry", encode(palette, "PNG", transparency=3)),
        ("GIF", encode(palette, "GIF")),
        ("I;16", encode(grey16, "PNG")),
        ("CMYK", encode(rgb.convert("CMYK"), "JPEG")),
    ]


MODES = many_modes()


@pytest.mark.parametrize("data", [data for _, data in MODES], ids=[name for name, _ in MODES])
def test_strips_give_the_pixels_of_a_whole_image_conversion(monkeypatch, data):
    whole, _ = decode_image(data, max_pixels=LIMIT)
    monkeypatch.setattr(ml_images, "STRIP_PIXELS", 300 * 7)  # 7 rows a strip, a short last one
    stripped, _ = decode_image(data, max_pixels=LIMIT)
    assert stripped.shape == whole.shape == (170, 300, 3)
    assert np.array_equal(stripped, whole)


def tagged(orientation: int) -> tuple[Image.Image, Image.Exif]:
    """Stored pixels, and an EXIF block whose orientation tag says how to show them."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return photo_like(30, 20), exif


@pytest.mark.parametrize("orientation", range(1, 9))
def test_the_array_is_rotated_as_pillow_rotates_the_image(orientation):
    stored, exif = tagged(orientation)
    array = decoded(stored, "PNG", exif=exif.tobytes())
    expected = np.asarray(upright(stored, orientation))
    assert array.shape == expected.shape
    assert np.array_equal(array, expected)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_tiff_is_shown_as_a_png_with_the_same_orientation_tag(orientation):
    # Pillow's TIFF reader applies the tag itself; applied again, the detector saw a TIFF
    # upside down or on its side, and the job reported the stored width and height.
    stored, exif = tagged(orientation)
    tiff, png = encode(stored, "TIFF", exif=exif), encode(stored, "PNG", exif=exif.tobytes())
    tiff_info, png_info = probe_image(tiff, max_pixels=LIMIT), probe_image(png, max_pixels=LIMIT)
    assert (tiff_info.width, tiff_info.height) == (png_info.width, png_info.height)
    assert tiff_info.exif_orientation == orientation
    tiff_array, _ = decode_image(tiff, max_pixels=LIMIT)
    png_array, _ = decode_image(png, max_pixels=LIMIT)
    assert np.array_equal(tiff_array, png_array)
    with Image.open(io.BytesIO(tiff)) as image:  # what a dataset export re-encodes
        assert np.array_equal(np.asarray(upright(image, orientation)), png_array)


# Peak memory of one decode, in a fresh interpreter (VmHWM: this process's own high-water mark).
_PEAK = """
import io, json, sys


def high_water():
    # This process's peak resident memory in KB (ru_maxrss would start at the parent's).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))

import numpy as np
from PIL import Image
from ml.images import decode_image
from ml.metadata import image_statistics

mode = sys.argv[1]
shape = (3000, 4000)
if mode == "I;16":
    image = Image.fromarray(np.tile(np.arange(4000, dtype=np.uint16) * 16, (3000, 1)))
else:
    image = Image.new(mode, shape[::-1], (10, 200, 30, 128)[: len(mode)])
buffer = io.BytesIO()
image.save(buffer, "PNG")
data = buffer.getvalue()
del image, buffer
start = high_water()
array, _ = decode_image(data, max_pixels=40_000_000)
image_statistics(array)
peak = high_water()
print(json.dumps([(peak - start) * 1024, array.nbytes]))
"""


@pytest.mark.parametrize("mode", ["RGBA", "I;16", "RGB"])
def test_decoding_holds_little_beside_the_image_and_its_array(mode):
    # 12 MP: the decoded image takes 4 bytes a pixel (2 for I;16), the result 3. Measured: 2.3
    # to 3.0 times the result's size over the start; whole-image conversions took 6.4 (I;16)
    # and 6.7 (RGBA) times, 3.4 for RGB (bench/bench_decode_memory.py --megapixels 12).
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, mode], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    peak, result = json.loads(out.stdout)
    assert peak < 4 * result, f"{mode}: {peak / 2**20:.0f} MB for a {result / 2**20:.0f} MB array"
