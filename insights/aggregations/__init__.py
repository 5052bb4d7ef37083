"""Insights: one question, a time window, answered the same way by either sink.

Usage (the API view and the periodic reports both go through ``summarize``)::

    from insights.aggregations import Window, summarize

    window = Window(since=start, until=end, interval="day")   # [since, until), aware datetimes
    window = Window.ending(until=end, span=timedelta(days=7))  # the 7 days before end
    current = summarize(window)                                # the configured sink
    before = summarize(window.previous())                      # same length, just before
    summarize(window, source="database")                       # or "elasticsearch"

``Window`` raises ``InvalidWindow`` (400) for since >= until, a naive datetime, an unknown
interval, or more than 2,000 intervals. Events count by their own time ``at``.

The summary is a JSON-ready dict, identical in shape whichever sink answers it:

- ``window``: ``since``, ``until`` (ISO 8601), ``interval``; ``source``: the sink.
- ``jobs``: ``submitted``; ``by_status`` {succeeded, failed} (from ``output.produced``);
  ``failure_codes`` {error code: count}; ``deleted``.
- ``images`` (succeeded jobs): ``processed``, ``with_no_face`` and ``with_no_face_share``;
  ``faces_per_image``; from ``input.received``: ``brightness`` (mean luma 0-255) and
  ``size_bytes`` histograms.
- ``faces``: ``detected``, ``mean_per_image``, ``confidence`` histogram (one count per face),
  ``low_confidence`` {threshold (0.9), count, share}.
- ``latency_ms``: ``queue``, ``inference``, ``total``, each {p50, p95, p99} or null.
- ``users``: ``signed_up``, ``active`` (distinct accounts that submitted a job, logged in,
  managed keys or gave feedback), ``logged_in``, ``keys_created``, ``keys_revoked``,
  ``keys_recovered``, ``accounts_deleted``.
- ``feedback``: ``submitted``, ``marked_correct``, ``correct_share``.
- ``busiest_accounts``: up to 10 {user_id, jobs}, most jobs submitted first.
- ``series``: one row per interval overlapping the window (UTC; weeks start on Monday), empty
  intervals included: {start, jobs_submitted, jobs_succeeded, jobs_failed, faces, signups}.

Every histogram is a list of {from, to, count}, ``from`` inclusive, ``to`` exclusive, the last
one open (``to`` null); the edges are constants of ``insights.aggregations.figures``. A share
is a fraction (0-1, four places), null when its denominator is zero.

Backends: ``database.database_figures`` (ORM over the InsightEvent table) and
``elasticsearch.query_body`` / ``parse_response`` (one aggregation search) both produce a
``Figures``; ``figures.build_summary`` turns it into the dict above. A new figure is added to
``Figures``, to both backends and to ``build_summary``.
"""

from __future__ import annotations

from django.conf import settings

from insights.aggregations.figures import Figures, build_summary
from insights.aggregations.window import INTERVALS, Window

__all__ = ["INTERVALS", "Figures", "Window", "summarize"]


def summarize(window: Window, *, source: str | None = None) -> dict:
    """The summary of a window from the configured sink (or ``source``: database or
    elasticsearch). Raises SinkUnavailable when Elasticsearch cannot answer."""
    source = source or ("elasticsearch" if settings.ELASTICSEARCH_URL else "database")
    if source == "elasticsearch":
        from insights.aggregations.elasticsearch import parse_response, query_body
        from insights.sinks.elasticsearch import ElasticsearchSink

        figures = parse_response(ElasticsearchSink.from_settings().search(query_body(window)))
    elif source == "database":
        from insights.aggregations.database import database_figures

        figures = database_figures(window)
    else:
        raise ValueError(f"unknown insights source {source!r}")
    return build_summary(window, figures, source=source)
