"""Size-cap benchmark: what ``max_side`` saves on large photos, and which faces it loses.

    .venv/bin/python bench/bench_max_side.py
    .venv/bin/python bench/bench_max_side.py --sizes 3840x2160 --caps 0,1920,1280 --plain

For each photo size and cap it measures our detector as one worker process runs it (one
TensorFlow thread): images per second on the letterboxed test photos, and how many of the
uncapped detector's confident faces (>= 0.9) the capped one still finds (IoU >= 0.9) on the
test photos and on a "crowd": copies of the group photo at shrinking scales, faces from about
80 down to 20 pixels wide, where the cap's cost shows. ``--plain`` also times the plain
``mtcnn`` loop and checks the uncapped detector against it.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image
from testphotos import load_photos, parse_size

from ml.faces import Face
from ml.matching import matched_faces

# Widths of the group photo's copies in the crowd, as shares of its own 1200 px.
_CROWD_SCALES = (1.0, 0.6, 0.45, 0.35, 0.28, 0.22)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1920x1080,3840x2160,4032x3024",
        help="comma-separated WIDTHxHEIGHT list (default: %(default)s)",
    )
    parser.add_argument(
        "--caps",
        default="0,2560,1920,1600,1280,1024",
        help="max_side values to compare, 0 for no cap (default: %(default)s)",
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="minimum time per figure (default: %(default)s)"
    )
    parser.add_argument("--plain", action="store_true", help="also time the plain mtcnn loop")
    return parser.parse_args()


def crowd(size: tuple[int, int]) -> np.ndarray:
    """Copies of the group photo at shrinking scales, packed in rows on a grey canvas."""
    group = Image.fromarray(dict(load_photos(None))["multiface.jpg"])
    canvas = Image.new("RGB", size, (128, 128, 128))
    x = y = row_height = 0
    for scale in _CROWD_SCALES:
        scaled = size[0] / 3840 * scale  # the same share of the canvas at every size
        copy = group.resize((round(group.width * scaled), round(group.height * scaled)))
        if x + copy.width > size[0]:
            x, y, row_height = 0, y + row_height, 0
        if y + copy.height <= size[1]:
            canvas.paste(copy, (x, y))
        x, row_height = x + copy.width, max(row_height, copy.height)
    return np.asarray(canvas)


def rate(detect_one, images: Sequence[np.ndarray], seconds: float) -> float:
    """Images per second over whole passes on ``images``, for at least ``seconds``."""
    count, start = 0, time.perf_counter()
    while count == 0 or time.perf_counter() - start < seconds:
        for image in images:
            detect_one(image)
        count += len(images)
    return count / (time.perf_counter() - start)


def found(reference: list[list[Face]], candidate: list[list[Face]]) -> str:
    pairs = [matched_faces(r, c) for r, c in zip(reference, candidate, strict=True)]
    matched, total = sum(m for m, _ in pairs), sum(t for _, t in pairs)
    return f"{matched}/{total}"


def main() -> None:
    args = parse_args()
    from ml.runtime import configure_tensorflow

    configure_tensorflow(threads=1)
    from ml.detector import MTCNNDetector, face_from_mtcnn

    caps = [int(cap) or None for cap in args.caps.split(",")]
    detectors = {cap: MTCNNDetector(max_side=cap) for cap in dict.fromkeys([None, *caps])}
    plain = None
    if args.plain:
        from mtcnn import MTCNN

        plain = MTCNN()
    print("one process, one TensorFlow thread; faces: confident faces of the uncapped detector")
    print(
        f"{'size':>10} {'max_side':>8} {'img/s':>7} {'speed-up':>8} {'min face px':>11}"
        f" {'photos':>7} {'crowd':>7}"
    )
    for size in (parse_size(text) for text in args.sizes.split(",")):
        photos = [image for _, image in load_photos(size)]
        scene = crowd(size)
        full = detectors[None]
        reference = full.detect(photos) + full.detect([scene])
        if plain is not None:
            plain_faces = [[face_from_mtcnn(i) for i in plain.detect_faces(p)] for p in photos]
            print(
                f"{size[0]}x{size[1]}: plain loop {rate(plain.detect_faces, photos, 0):.2f} "
                f"img/s, uncapped finds {found(plain_faces, reference[:-1])} of its faces"
            )
        base = rate(lambda image, d=full: d.detect([image]), photos, args.seconds)
        for cap in caps:
            detector = detectors[cap]
            speed = (
                base
                if cap is None
                else rate(lambda i, d=detector: d.detect([i]), photos, args.seconds)
            )
            answers = detector.detect(photos) + detector.detect([scene])
            smallest = 20 * max(size) / cap if cap and cap < max(size) else 20
            print(
                f"{size[0]}x{size[1]:<4} {cap or 'none':>8} {speed:7.2f} {speed / base:7.2f}x "
                f"{smallest:11.0f} {found(reference[:-1], answers[:-1]):>7} "
                f"{found(reference[-1:], answers[-1:]):>7}",
                flush=True,
            )


if __name__ == "__main__":
    main()
