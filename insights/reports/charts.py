"""The report's charts as PNG bytes, drawn with matplotlib's Agg canvas (no display, no
pyplot state, so that concurrent reports do not share a figure)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from insights.reports.content import Distribution, Report

# Small figures: an email column is about 600 px wide.
SIZE_INCHES = (6.0, 2.2)
DPI = 100
CURRENT, PREVIOUS, FAILED = "#2563eb", "#cbd5e1", "#dc2626"


@dataclass(frozen=True)
class Chart:
    name: str  # also the Content-ID's local part
    title: str
    png: bytes


def report_charts(report: Report) -> list[Chart]:
    """The charts worth drawing: jobs per day (a period of several days with jobs), and each
    distribution with something in it."""
    charts = []
    series = report.series
    if len(series) > 1 and any(row["jobs_submitted"] or row["jobs_failed"] for row in series):
        charts.append(Chart("jobs-per-day", "Jobs per day", _jobs_per_day(series)))
    for distribution in report.distributions:
        if not distribution.is_empty:
            charts.append(
                Chart(distribution.key, distribution.title, _compared_histogram(distribution))
            )
    return charts


def _figure() -> tuple[Figure, object]:
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=7)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _jobs_per_day(series: list[dict]) -> bytes:
    figure, axes = _figure()
    days = [f"{datetime.fromisoformat(row['start']):%d %b}" for row in series]
    succeeded = [row["jobs_succeeded"] for row in series]
    failed = [row["jobs_failed"] for row in series]
    axes.bar(days, succeeded, color=CURRENT, label="succeeded")
    axes.bar(days, failed, bottom=succeeded, color=FAILED, label="failed")
    # Submitted and finished differ when jobs cross midnight or are still waiting.
    submitted = [row["jobs_submitted"] for row in series]
    axes.plot(days, submitted, "o-", color="#0f172a", markersize=3, linewidth=1, label="submitted")
    axes.legend(fontsize=7, frameon=False)
    if len(days) > 10:
        axes.tick_params(axis="x", labelrotation=90)
    return _png(figure)


def _compared_histogram(distribution: Distribution) -> bytes:
    figure, axes = _figure()
    positions = range(len(distribution.buckets))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        [b.previous for b in distribution.buckets],
        width,
        color=PREVIOUS,
        label="previous period",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [b.current for b in distribution.buckets],
        width,
        color=CURRENT,
        label="this period",
    )
    axes.set_xticks(list(positions), [b.label for b in distribution.buckets])
    axes.legend(fontsize=7, frameon=False)
    return _png(figure)
