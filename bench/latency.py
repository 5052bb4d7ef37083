"""Percentiles and one-line summaries of latencies."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by the nearest-rank method; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> str:
    """'p50 12.3 ms  p99 45.6 ms  max 50.1 ms (n=100)'."""
    if not values:
        return "no samples"
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):8.1f} ms  p99 {percentile(ms, 99):8.1f} ms  "
        f"max {max(ms):8.1f} ms  (n={len(ms)})"
    )
