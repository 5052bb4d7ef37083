"""The CPU other processes took while a benchmark ran: a busy machine skews every figure."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy_ticks() -> int:
    # user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(fields) - fields[3] - fields[4]


def _process_ticks(pid: int) -> int:
    try:
        # Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(stat[11]) + int(stat[12])


class ForeignLoad:
    """Measures the share of all cores used by processes other than ``pids`` (Linux only)."""

    def __init__(self, pids: Iterable[int]) -> None:
        self.pids = list(pids)
        self.available = Path("/proc/stat").exists()

    def _sample(self) -> tuple[int, int]:
        return _machine_busy_ticks(), sum(_process_ticks(pid) for pid in self.pids)

    def __enter__(self) -> ForeignLoad:
        if self.available:
            self._start = self._sample()
            self._wall = os.times().elapsed
        return self

    def __exit__(self, *exc: object) -> None:
        if self.available:
            machine, ours = self._sample()
            elapsed_ticks = (os.times().elapsed - self._wall) * _TICKS * (os.cpu_count() or 1)
            foreign = (machine - self._start[0]) - (ours - self._start[1])
            self.share = max(0.0, foreign / elapsed_ticks) if elapsed_ticks else 0.0
        else:
            self.share = None
