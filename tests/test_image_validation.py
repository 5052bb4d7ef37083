"""The ml.images layer on hostile input: each case gets the right error class."""

import io
import struct

import pytest
from PIL import Image

from ml.errors import CorruptImageError, ImageTooLargeError, UnsupportedImageError
from ml.images import decode_image, probe_image
from tests.images import (
    encode,
    jpeg_with_raw_exif,
    multi_picture_jpeg,
    png_bomb,
    with_exif_orientation,
)

LIMIT = 40_000_000


def test_text_named_jpg_is_unsupported():
    with pytest.raises(UnsupportedImageError):
        probe_image(b"hello, I am not a picture\n" * 10, max_pixels=LIMIT)


def test_empty_body_is_unsupported():
    with pytest.raises(UnsupportedImageError):
        probe_image(b"", max_pixels=LIMIT)


def test_pdf_is_unsupported():
    with pytest.raises(UnsupportedImageError):
        probe_image(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", max_pixels=LIMIT)


def test_truncated_jpeg_is_corrupt(photo):
    data = photo("multiface.jpg")
    with pytest.raises(CorruptImageError):
        probe_image(data[: len(data) // 2], max_pixels=LIMIT)


def test_jpeg_header_alone_is_corrupt(photo):
    with pytest.raises(CorruptImageError):
        probe_image(photo("multiface.jpg")[:40], max_pixels=LIMIT)


def test_decompression_bomb_is_refused_from_the_header():
    bomb = png_bomb(10_000, 10_000)
    assert len(bomb) < 200_000
    with pytest.raises(ImageTooLargeError):
        probe_image(bomb, max_pixels=LIMIT)


def test_pixel_limit_applies_to_modest_images_too():
    data = encode(Image.new("RGB", (300, 200)), "PNG")
    with pytest.raises(ImageTooLargeError):
        probe_image(data, max_pixels=300 * 200 - 1)
    assert probe_image(data, max_pixels=300 * 200).pixels == 60_000


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "BMP", "TIFF", "JPEG"])
def test_supported_formats_decode_to_rgb(fmt):
    source = Image.new("RGB", (64, 48), (200, 100, 50))
    array, info = decode_image(encode(source, fmt), max_pixels=LIMIT)
    assert array.shape == (48, 64, 3)
    assert info.format == fmt
    assert info.width == 64 and info.height == 48


def test_grayscale_and_alpha_become_rgb():
    gray, _ = decode_image(encode(Image.new("L", (20, 10), 128), "PNG"), max_pixels=LIMIT)
    assert gray.shape == (10, 20, 3) and (gray == 128).all()
    transparent = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    rgba, _ = decode_image(encode(transparent, "PNG"), max_pixels=LIMIT)
    assert (rgba == 255).all()  # composited on white, not black


def test_gif_first_frame_only():
    frames = [Image.new("P", (16, 16), color) for color in (1, 2, 3)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    array, info = decode_image(data, max_pixels=LIMIT)
    assert array.shape == (16, 16, 3) and info.format == "GIF"


def test_exif_orientation_gives_displayed_size(photo):
    original = photo("kate_siegel.jpg")  # 1125 x 1612 as displayed
    rotated = with_exif_orientation(original, 6)
    stored = Image.open(__import__("io").BytesIO(rotated))
    assert stored.size == (1612, 1125)
    info = probe_image(rotated, max_pixels=LIMIT)
    assert (info.width, info.height, info.exif_orientation) == (1125, 1612, 6)
    array, _ = decode_image(rotated, max_pixels=LIMIT)
    assert array.shape[:2] == (1612, 1125)


def test_a_multi_picture_jpeg_is_a_jpeg_and_its_first_picture_is_the_photo(photo):
    original = photo("ivan.jpg")
    data = multi_picture_jpeg(original)
    assert Image.open(io.BytesIO(data)).format == "MPO"
    info = probe_image(data, max_pixels=LIMIT)
    assert (info.format, info.content_type) == ("JPEG", "image/jpeg")
    array, _ = decode_image(data, max_pixels=LIMIT)
    first, _ = decode_image(original, max_pixels=LIMIT)
    assert array.shape == first.shape
    assert abs(array.astype(int) - first.astype(int)).mean() < 3  # re-encoded, not the grey one


def test_a_truncated_multi_picture_jpeg_is_corrupt(photo):
    data = multi_picture_jpeg(photo("ivan.jpg"))
    with pytest.raises(CorruptImageError):
        probe_image(data[: len(data) // 3], max_pixels=LIMIT)


SHORT, ASCII, RATIONAL = 3, 2, 5


def test_an_exif_tag_of_an_unexpected_type_does_not_stop_the_rotation():
    # Orientation 6 beside a MinSampleValue written as text: Pillow's exif_transpose raises
    # rewriting such a block (a job that failed three times); the photo itself is fine.
    data = jpeg_with_raw_exif(
        [(0x0112, SHORT, 1, struct.pack("<H", 6)), (0x0118, ASCII, 4, b"cam\x00")]
    )
    info = probe_image(data, max_pixels=LIMIT)
    array, _ = decode_image(data, max_pixels=LIMIT)
    assert (info.width, info.height, info.exif_orientation) == (20, 40, 6)
    assert array.shape == (40, 20, 3)


def test_an_orientation_written_as_a_rational_counts_for_size_and_pixels_alike():
    data = jpeg_with_raw_exif([(0x0112, RATIONAL, 1, struct.pack("<II", 6, 1))])
    info = probe_image(data, max_pixels=LIMIT)
    array, _ = decode_image(data, max_pixels=LIMIT)
    assert info.exif_orientation == 6
    assert array.shape[:2] == (info.height, info.width) == (40, 20)


@pytest.mark.parametrize("fmt", ["PCX", "TGA", "ICO"])
def test_formats_we_do_not_take_are_415_whatever_pillow_can_read(fmt):
    with pytest.raises(UnsupportedImageError):
        probe_image(encode(Image.new("RGB", (16, 16)), fmt), max_pixels=LIMIT)
