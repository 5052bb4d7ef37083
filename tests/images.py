"""Images made for the tests: hostile ones and transformed copies of the test photos."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid grayscale PNG of width x height black pixels that compresses to a few KB."""
    raw_rows = (b"\x00" + b"\x00" * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + png_chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + png_chunk(b"IEND", b"")
    )


def with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The photo's pixels stored rotated, with the EXIF tag that shows them upright again."""
    image = Image.open(io.BytesIO(jpeg))
    stored = {
        6: image.transpose(Image.Transpose.ROTATE_90),
        8: image.transpose(Image.Transpose.ROTATE_270),
    }[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


def multi_picture_jpeg(jpeg: bytes) -> bytes:
    """The photo as a JPEG with a multi-picture (MPF) block and a second, grey picture, as
    phones and cameras write them; Pillow opens it as "MPO"."""
    first = Image.open(io.BytesIO(jpeg)).convert("RGB")
    second = Image.new("RGB", first.size, (128, 128, 128))
    return encode(first, "MPO", quality=95, save_all=True, append_images=[second])


def jpeg_with_raw_exif(entries: list[tuple[int, int, int, bytes]], size=(40, 20)) -> bytes:
    """A plain JPEG whose EXIF block holds exactly these IFD0 entries, as some cameras write
    them (types Pillow itself would not write): (tag, type, count, value bytes). Values over
    4 bytes go after the IFD."""
    entries = sorted(entries)
    after = 8 + 2 + 12 * len(entries) + 4  # where out-of-line values start (TIFF offsets)
    table, extra = b"", b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            field_value = value.ljust(4, b"\x00")
        else:
            field_value = struct.pack("<I", after + len(extra))
            extra += value
        table += struct.pack("<HHI", tag, kind, count) + field_value
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)) + table
    tiff += struct.pack("<I", 0) + extra
    return encode(Image.new("RGB", size, (10, 200, 10)), "JPEG", exif=b"Exif\x00\x00" + tiff)
