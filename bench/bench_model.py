"""Model benchmark: our `ml` detector against the plain `mtcnn` loop, on the same decoded images.

    .venv/bin/python bench/bench_model.py            # 640x480, 1280x720, 1920x1080
    .venv/bin/python bench/bench_model.py --sizes 640x480 --seconds 20 --json var/model.json

For each size it measures, in this one run: the plain loop (``MTCNN().detect_faces(image)``, one
image at a time, TensorFlow's defaults) and our detector the same way, in this process; then
the worker configuration: N processes (default: one per core), each set up as the service's
worker sets itself up (``ml.runtime.configure_tensorflow(threads=1)``) with its own detector,
all calling ``detect`` on batches at once. It prints images per second, the ratios to the plain
loop, and how many confident faces (>= 0.9) of the plain loop our detector finds with a box of
IoU >= 0.9, and the other way round.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from cpuload import ForeignLoad
from testphotos import SIZES, load_photos, parse_size

from ml.faces import Face
from ml.matching import matched_faces, same_faces

if TYPE_CHECKING:
    from mtcnn import MTCNN

    from ml.detector import MTCNNDetector


def parse_args() -> argparse.Namespace:
    from ml.batching import suggested_batch_size
    from ml.detector import DEFAULT_MAX_SIDE

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(f"{w}x{h}" for w, h in SIZES),
        help="comma-separated WIDTHxHEIGHT list (default: %(default)s)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=8.0,
        help="minimum time per measurement (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes, one TensorFlow thread each; 0 skips the worker "
        "measurement (default: %(default)s, the cores)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=suggested_batch_size(),
        help="images per detect() call in the workers (default: %(default)s)",
    )
    parser.add_argument(
        "--max-side",
        type=int,
        default=DEFAULT_MAX_SIDE,
        help="our detector's cap on the longer side; 0 for none (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def throughput(
    detect_one: Callable[[np.ndarray], object], images: Sequence[np.ndarray], seconds: float
) -> float:
    """Images per second over whole passes on ``images``, for at least ``seconds``."""
    count, start = 0, time.perf_counter()
    while count == 0 or time.perf_counter() - start < seconds:
        for image in images:
            detect_one(image)
        count += len(images)
    return count / (time.perf_counter() - start)


def worker_loop(conn: Connection, max_side: int | None, batch_size: int) -> None:
    """One worker process: its own detector, one TensorFlow thread, batches on demand."""
    from ml.runtime import configure_tensorflow

    configure_tensorflow(threads=1)
    from ml.detector import MTCNNDetector

    detector = MTCNNDetector(max_side=max_side)
    conn.send("started")
    images: list[np.ndarray] = []
    while True:
        command, argument = conn.recv()
        if command == "load":
            images = [image for _, image in load_photos(argument)]
            detector.detect(images)  # traces the graphs and warms the caches
            conn.send("ready")
        elif command == "run":
            count, start, deadline = 0, time.perf_counter(), time.perf_counter() + argument
            while time.perf_counter() < deadline:
                detector.detect([images[(count + i) % len(images)] for i in range(batch_size)])
                count += batch_size
            conn.send(count / (time.perf_counter() - start))
        else:
            return


class WorkerPool:
    """N spawned worker processes, each measured on the same images at the same time."""

    def __init__(self, processes: int, *, max_side: int | None, batch_size: int) -> None:
        context = multiprocessing.get_context("spawn")  # TensorFlow does not survive fork
        self._conns, self._processes = [], []
        for _ in range(processes):
            parent, child = context.Pipe()
            process = context.Process(
                target=worker_loop, args=(child, max_side, batch_size), daemon=True
            )
            process.start()
            self._conns.append(parent)
            self._processes.append(process)
        for conn in self._conns:  # loading TensorFlow must not overlap the other measurements
            conn.recv()

    def throughput(self, size: tuple[int, int], seconds: float) -> float:
        """Images per second of all workers together, running at once."""
        for conn in self._conns:
            conn.send(("load", size))
        for conn in self._conns:
            conn.recv()
        for conn in self._conns:
            conn.send(("run", seconds))
        return sum(conn.recv() for conn in self._conns)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes]

    def close(self) -> None:
        for conn in self._conns:
            conn.send(("stop", None))
        for process in self._processes:
            process.join(timeout=30)


def compare(plain: list[list[Face]], ours: list[list[Face]]) -> dict:
    """Matched confident faces, both ways, and whether every photo's face count agrees."""
    found = [matched_faces(p, o) for p, o in zip(plain, ours, strict=True)]
    back = [matched_faces(o, p) for p, o in zip(plain, ours, strict=True)]
    return {
        "plain_matched": sum(m for m, _ in found),
        "plain_confident": sum(t for _, t in found),
        "ours_matched": sum(m for m, _ in back),
        "ours_confident": sum(t for _, t in back),
        "same_counts": all(len(p) == len(o) for p, o in zip(plain, ours, strict=True)),
    }


def share(matched: int, total: int) -> str:
    return f"{matched}/{total} ({100 * matched / total:.0f}%)" if total else "0/0"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


HEADER = (
    f"{'size':>10} {'plain':>7} {'ours':>7} {'ratio':>6} {'worker':>7} {'ratio':>6}"
    "  plain faces found  our faces found  counts  batch=single  others' CPU\n"
    + " " * 11
    + "img/s   img/s"
    + " " * 15
    + "img/s"
)


def format_row(row: dict) -> str:
    return (
        f"{row['size']:>10} {row['plain']:7.2f} {row['ours']:7.2f} "
        f"{row['ours'] / row['plain']:5.2f}x {row['worker']:7.2f} "
        f"{row['worker'] / row['plain']:5.2f}x  "
        f"{share(row['plain_matched'], row['plain_confident']):>17}  "
        f"{share(row['ours_matched'], row['ours_confident']):>15}  "
        f"{'same' if row['same_counts'] else 'DIFFER':>6}  "
        f"{row['batched_equals_single']!s:>12}  {percent(row['other_processes_cpu']):>11}"
    )


def measure_size(
    size: tuple[int, int],
    plain: MTCNN,
    ours: MTCNNDetector,
    pool: WorkerPool | None,
    args: argparse.Namespace,
) -> dict:
    """The figures of one size: answers compared first, then the three throughputs."""
    from ml.detector import face_from_mtcnn

    images = [image for _, image in load_photos(size)]
    plain_faces = [[face_from_mtcnn(item) for item in plain.detect_faces(i)] for i in images]
    our_faces = [ours.detect([image])[0] for image in images]
    batched = ours.detect(images)
    with ForeignLoad([os.getpid(), *(pool.pids if pool else [])]) as load:
        plain_rate = throughput(plain.detect_faces, images, args.seconds)
        our_rate = throughput(lambda image: ours.detect([image]), images, args.seconds)
        worker_rate = pool.throughput(size, args.seconds) if pool else float("nan")
    return {
        "size": f"{size[0]}x{size[1]}",
        "plain": plain_rate,
        "ours": our_rate,
        "worker": worker_rate,
        "workers": args.workers,
        "batch_size": args.batch_size,
        "batched_equals_single": all(map(same_faces, batched, our_faces)),
        "other_processes_cpu": load.share,
        **compare(plain_faces, our_faces),
    }


def main() -> None:
    args = parse_args()
    from mtcnn import MTCNN

    from ml.detector import MTCNNDetector

    max_side = args.max_side or None
    pool = None
    if args.workers:
        pool = WorkerPool(args.workers, max_side=max_side, batch_size=args.batch_size)
    plain, ours = MTCNN(), MTCNNDetector(max_side=max_side)
    print(
        f"{os.cpu_count()} cores; our detector: max_side={max_side}; workers: {args.workers} "
        f"processes x 1 TensorFlow thread, batches of {args.batch_size}\n{HEADER}"
    )
    results = []
    try:
        for size in (parse_size(text) for text in args.sizes.split(",")):
            results.append(measure_size(size, plain, ours, pool, args))
            print(format_row(results[-1]), flush=True)
    finally:
        if pool:
            pool.close()
    if any((row["other_processes_cpu"] or 0) > 0.05 for row in results):
        print("warning: other processes used the CPU during the run; the figures are skewed.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"max_side": max_side, "results": results}, indent=2))


if __name__ == "__main__":
    main()
