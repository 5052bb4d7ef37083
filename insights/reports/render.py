"""A report as HTML (a template; its charts by a URL the caller chooses: ``cid:`` in the
email, ``data:`` in the preview), as plain text, and its daily figures as CSV."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Callable

from django.template.loader import render_to_string

from insights.aggregations.figures import SERIES_FIELDS
from insights.reports.charts import Chart, report_charts
from insights.reports.content import MEAN, MS, SHARE, Metric, Report

TEMPLATE = "insights/report_email.html"
MISSING = "n/a"


def subject(report: Report) -> str:
    """The email's subject line."""
    return f"facedetect {report.period.kind} report: {report.period.label}"


def render_html(report: Report, charts: list[Chart], *, src: Callable[[Chart], str]) -> str:
    """The report as an HTML page; ``src(chart)`` is each chart image's URL."""
    drawn = {chart.name for chart in charts}
    return render_to_string(
        TEMPLATE,
        {
            "subject": subject(report),
            "report": report,
            "sections": [
                {"title": section.title, "rows": [_row(m) for m in section.metrics]}
                for section in report.sections
            ],
            "charts": [{"title": chart.title, "src": src(chart)} for chart in charts],
            "undrawn": [d.title for d in report.distributions if d.key not in drawn],
            "low_confidence_threshold": f"{report.low_confidence_threshold:g}",
        },
    )


def render_preview(report: Report) -> str:
    """The report as a standalone web page, its charts inlined as data: URIs."""
    return render_html(report, report_charts(report), src=data_src)


def cid_src(chart: Chart) -> str:
    """A chart referenced by its Content-ID, as an email shows it."""
    return f"cid:{content_id(chart)}"


def data_src(chart: Chart) -> str:
    """A chart inlined as a data: URI, as the browser preview shows it."""
    return "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii")


def content_id(chart: Chart) -> str:
    """The Content-ID of a chart's image part (without the angle brackets)."""
    return f"{chart.name}@facedetect.report"


def render_text(report: Report) -> str:
    """The report as plain text, the email's alternative for clients without HTML."""
    lines = [
        subject(report),
        f"{_span(report.period)}, compared with {_span(report.previous_period)}.",
        f"Figures from the {report.source} insights sink.",
    ]
    for section in report.sections:
        lines += ["", section.title.upper(), _text_row("", "this period", "before", "change")]
        for metric in section.metrics:
            row = _row(metric)
            lines.append(_text_row(metric.label, row["current"], row["previous"], row["delta"]))
    lines += ["", "FAILURE CODES"]
    lines += [_text_row(b.label, b.current, b.previous, "") for b in report.failure_codes] or [
        "  none"
    ]
    lines += ["", "BUSIEST ACCOUNTS"]
    lines += [
        f"  {a.email or f'account {a.user_id} (deleted)'}: {a.jobs} jobs"
        for a in report.busiest_accounts
    ] or ["  none"]
    for distribution in report.distributions:
        lines += ["", distribution.title.upper(), _text_row("", "this period", "before", "")]
        lines += [_text_row(b.label, b.current, b.previous, "") for b in distribution.buckets]
    lines += ["", "The daily figures are attached as CSV."]
    return "\n".join(lines) + "\n"


def render_csv(report: Report) -> str:
    """The period's figures, one row per day (UTC)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", *SERIES_FIELDS])
    for row in report.series:
        writer.writerow([row["start"][:10], *(row[name] for name in SERIES_FIELDS)])
    return buffer.getvalue()


def csv_filename(report: Report) -> str:
    """The attachment's file name, e.g. ``facedetect-weekly-2026-11-16.csv``."""
    return f"facedetect-{report.period.kind}-{report.period.start:%Y-%m-%d}.csv"


def _span(period) -> str:
    if period.kind == "daily":
        return period.label
    return f"{period.label} ({period.start:%Y-%m-%d} to {period.last_day:%Y-%m-%d})"


def _text_row(label, current, previous, change) -> str:
    return f"  {label:<36}{current!s:>14}{previous!s:>14}  {change}".rstrip()


def _row(metric: Metric) -> dict:
    delta, change = metric.delta, metric.change
    # Up is not always good (failures, latency), so the change is shown without colour.
    if delta is None:
        delta_text = MISSING
    else:
        delta_text = _format_delta(delta, metric.unit)
        if change is not None:
            delta_text += f" ({change * 100:+.0f}%)"
    return {
        "key": metric.key,
        "label": metric.label,
        "current": _format(metric.current, metric.unit),
        "previous": _format(metric.previous, metric.unit),
        "delta": delta_text,
    }


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return MISSING
    if unit == SHARE:
        return f"{value * 100:.1f}%"
    if unit == MS:
        return f"{value:,.0f} ms"
    if unit == MEAN:
        return f"{value:.2f}"
    return f"{value:,}"


def _format_delta(delta: float, unit: str) -> str:
    if delta == 0:
        return "±0"
    if unit == SHARE:
        return f"{delta * 100:+.1f} pp"
    if unit == MS:
        return f"{delta:+,.0f} ms"
    if unit == MEAN:
        return f"{delta:+.2f}"
    return f"{delta:+,}"
