"""The CPU other processes took while a benchmark ran: a busy machine skews every figure."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_ticks() -> list[int]:
    """The machine's user nice system idle iowait irq softirq steal ticks, from /proc/stat."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def _machine_busy_ticks() -> int:
    # Everything but idle and iowait is busy.
    fields = _cpu_ticks()
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


# What each part of a running service is, from its command line (make run's and compose's).
_SERVICE_PARTS = (
    ("gunicorn", "web"),
    ("-Q detect", "detection worker"),
    ("celery", "other Celery"),
    ("redis-server", "redis"),
    ("postgres", "postgres"),
)


def _cores_by_part(own_pid: int) -> tuple[dict[str, int], int]:
    ticks: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if pid == own_pid:
            part = "benchmark clients"
        else:
            part = next((name for needle, name in _SERVICE_PARTS if needle in command), "other")
        ticks[part] = ticks.get(part, 0) + _process_ticks(pid)
    fields = _cpu_ticks()
    return ticks, fields[3] + fields[4]


class CoresByPart:
    """Cores used by each part of the service (web, detection worker...) and left idle while
    the block runs (Linux only; processes that start or end inside the block count partly)."""

    def __init__(self) -> None:
        self.available = Path("/proc/stat").exists()
        self.cores: dict[str, float] = {}

    def __enter__(self) -> CoresByPart:
        if self.available:
            self._start, self._idle = _cores_by_part(os.getpid())
            self._wall = os.times().elapsed
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.available:
            return
        end, idle = _cores_by_part(os.getpid())
        seconds = (os.times().elapsed - self._wall) * _TICKS
        if seconds <= 0:
            return
        for part, ticks in end.items():
            used = (ticks - self._start.get(part, 0)) / seconds
            if used >= 0.005:
                self.cores[part] = used
        self.cores["idle"] = (idle - self._idle) / seconds

    def line(self) -> str:
        ordered = sorted(self.cores.items(), key=lambda item: (item[0] == "idle", -item[1]))
        return ", ".join(f"{part} {used:.2f}" for part, used in ordered)
