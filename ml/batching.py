"""How many queued images a worker should hand to one ``detect`` call."""

from __future__ import annotations


def suggested_batch_size() -> int:
    """One. Measured with bench/bench_model.py on 2 cores at 640x480: batches of 4 same-size
    images give the worker the same images/s as single images, batches of 8 a quarter less
    (the intermediate tensors outgrow the caches), and images of different sizes never share
    a call anyway. Batching would only add latency."""
    return 1
