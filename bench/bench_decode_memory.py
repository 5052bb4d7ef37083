"""Peak memory of the worker's decode and image statistics, against the array they produce.

For each kind of image (a photo as JPEG, RGB, RGBA and 16-bit grey PNG, 32-bit and float grey
TIFF), at ``--megapixels`` (default 40, the default MAX_IMAGE_PIXELS), a fresh interpreter
decodes it with ``ml.images.decode_image``, computes ``ml.metadata.image_statistics``, and
reports how far its peak resident memory rose over where it started: in MB and as a multiple
of the RGB array the detector gets (3 bytes a pixel). The decoded image itself takes 4 bytes a
pixel for most modes, so about 2.3x is the floor for a whole-image decoder.

    .venv/bin/python bench/bench_decode_memory.py [--megapixels 40]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.testphotos import photos_dir  # noqa: E402

_MEASURE = """
import json, sys


def high_water():
    # This process's peak resident memory in KB (ru_maxrss would start at the parent's).
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))

from ml.images import decode_image
from ml.metadata import image_statistics

data = open(sys.argv[1], "rb").read()
start = high_water()
array, info = decode_image(data, max_pixels=10**9)
image_statistics(array)
peak = high_water()
print(json.dumps({"mode": info.mode, "rise": (peak - start) * 1024, "array": array.nbytes}))
"""


def images(width: int, height: int) -> dict[str, tuple[Image.Image, str]]:
    photo = Image.open(sorted(photos_dir().glob("*.jpg"))[0]).convert("RGB")
    photo = photo.resize((width, height), Image.Resampling.BILINEAR)
    with_alpha = photo.copy()
    with_alpha.putalpha(200)
    ramp = np.tile(np.linspace(0, 65535, width).astype(np.uint16), (height, 1))
    return {
        "photo, JPEG": (photo, "JPEG"),
        "photo, RGB PNG": (photo, "PNG"),
        "photo, RGBA PNG": (with_alpha, "PNG"),
        "16-bit grey PNG": (Image.fromarray(ramp), "PNG"),
        "32-bit grey TIFF": (Image.fromarray(ramp.astype(np.int32) - 20000), "TIFF"),
        "float grey TIFF": (Image.fromarray(ramp.astype(np.float32) / 65535), "TIFF"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megapixels", type=float, default=40.0)
    args = parser.parse_args()
    width = int((args.megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(args.megapixels * 1e6 / width)
    print(f"{width}x{height} ({width * height / 1e6:.1f} MP); rise of peak memory over the start")
    with tempfile.TemporaryDirectory() as folder:
        for name, (image, fmt) in images(width, height).items():
            path = Path(folder) / "image"
            image.save(path, fmt)
            out = subprocess.run(
                [sys.executable, "-c", _MEASURE, str(path)],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(out.stdout)
            rise, array = figures["rise"], figures["array"]
            print(
                f"  {name:18} mode {figures['mode']:4}  {rise / 2**20:6.0f} MB"
                f"  = {rise / array:4.1f} x the {array / 2**20:.0f} MB array"
            )


if __name__ == "__main__":
    main()
