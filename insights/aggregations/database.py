"""Figures of a window from the database sink (InsightEvent), by ORM aggregation.

Counts, histograms and series are SQL aggregates that run on PostgreSQL and SQLite alike.
Percentiles are exact (linear interpolation between the two nearest ranks, as PostgreSQL's
percentile_cont): two ordered rows are read per percentile, never the whole column. Only the
confidence histogram reads each output's list of confidences, which JSON arrays require.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import UTC

from django.db.models import (
    Case,
    CharField,
    Count,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDay, TruncHour, TruncWeek

from insights import events
from insights.aggregations import figures as f
from insights.aggregations.window import Window
from insights.models import InsightEvent

_TRUNC = {"hour": TruncHour, "day": TruncDay, "week": TruncWeek}


def _value(key: str, output_field):
    """A data field as a column; NULL when missing or JSON null (SQLite's KT gives 'null')."""
    present = Q(**{f"data__{key}__isnull": False}) & ~Q(**{f"data__{key}": None})
    value = KT(f"data__{key}")
    if not isinstance(output_field, CharField):
        value = Cast(value, output_field)
    return Case(When(present, then=value), default=Value(None), output_field=output_field)


def _number(key: str, output_field=None):
    return _value(key, output_field or FloatField())


def _range_counts(query: QuerySet, key: str, edges: tuple) -> list[int]:
    """How many rows fall in each [edge, next edge) bucket of the data field ``key``."""
    query = query.annotate(value=_number(key))
    buckets = {}
    for i, lo in enumerate(edges):
        condition = Q(value__gte=lo)
        if i + 1 < len(edges):
            condition &= Q(value__lt=edges[i + 1])
        buckets[f"b{i}"] = Count("pk", filter=condition)
    row = query.aggregate(**buckets)
    return [row[f"b{i}"] for i in range(len(edges))]


def _percentiles(query: QuerySet, key: str) -> dict[int, float | None]:
    values = (
        query.annotate(value=_number(key))
        .filter(value__isnull=False)
        .order_by("value")
        .values_list("value", flat=True)
    )
    n = values.count()
    result: dict[int, float | None] = {}
    for p in f.PERCENTS:
        if n == 0:
            result[p] = None
            continue
        rank = (n - 1) * p / 100
        low = math.floor(rank)
        pair = list(values[low : low + 2])
        upper = pair[1] if len(pair) > 1 else pair[0]
        result[p] = pair[0] + (upper - pair[0]) * (rank - low)
    return result


def _confidence_counts(succeeded: QuerySet) -> list[int]:
    counts = [0] * len(f.CONFIDENCE_EDGES)
    lists = succeeded.values_list("data__confidences", flat=True)
    for confidences in lists.iterator(chunk_size=2000):
        for value in confidences or []:
            index = bisect_right(f.CONFIDENCE_EDGES, value) - 1
            if index >= 0:
                counts[index] += 1
    return counts


def _series(base: QuerySet, window: Window) -> dict:
    succeeded = Q(type=events.OUTPUT_PRODUCED, data__status="succeeded")
    rows = (
        base.filter(type__in=[events.JOB_SUBMITTED, events.OUTPUT_PRODUCED, events.USER_SIGNED_UP])
        .annotate(bucket=_TRUNC[window.interval]("at", tzinfo=UTC))
        .values("bucket")
        .annotate(
            jobs_submitted=Count("pk", filter=Q(type=events.JOB_SUBMITTED)),
            jobs_succeeded=Count("pk", filter=succeeded),
            jobs_failed=Count("pk", filter=Q(type=events.OUTPUT_PRODUCED, data__status="failed")),
            faces=Sum(_number("face_count", IntegerField()), filter=succeeded),
            signups=Count("pk", filter=Q(type=events.USER_SIGNED_UP)),
        )
        .order_by("bucket")
    )
    return {
        row["bucket"].astimezone(UTC): {name: row[name] or 0 for name in f.SERIES_FIELDS}
        for row in rows
    }


def database_figures(window: Window) -> f.Figures:
    """Everything the summary needs, counted in the InsightEvent table."""
    base = InsightEvent.objects.filter(at__gte=window.since, at__lt=window.until)
    outputs = base.filter(type=events.OUTPUT_PRODUCED)
    succeeded = outputs.filter(data__status="succeeded")
    inputs = base.filter(type=events.INPUT_RECEIVED)
    failure_codes = (
        outputs.filter(data__status="failed")
        .values(code=_value("error_code", CharField()))
        .annotate(n=Count("pk"))
        .order_by()
    )
    busiest = (
        base.filter(type=events.JOB_SUBMITTED, user_id__isnull=False)
        .values("user_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "user_id")[: f.BUSIEST_LIMIT]
    )
    return f.Figures(
        event_counts=dict(base.values_list("type").annotate(n=Count("pk")).order_by()),
        outputs_by_status=dict(
            outputs.values_list(KT("data__status")).annotate(n=Count("pk")).order_by()
        ),
        failure_codes={row["code"] or "unknown": row["n"] for row in failure_codes},
        faces_total=succeeded.aggregate(n=Sum(_number("face_count", IntegerField())))["n"] or 0,
        faces_per_image=_range_counts(succeeded, "face_count", f.FACES_PER_IMAGE_EDGES),
        confidence=_confidence_counts(succeeded),
        brightness=_range_counts(inputs, "brightness", f.BRIGHTNESS_EDGES),
        size_bytes=_range_counts(inputs, "size_bytes", f.SIZE_EDGES),
        latency={name: _percentiles(outputs, f"{name}_ms") for name in f.LATENCIES},
        active_users=base.filter(type__in=f.ACTIVE_TYPES, user_id__isnull=False)
        .values("user_id")
        .distinct()
        .count(),
        feedback_correct=base.filter(type=events.FEEDBACK_SUBMITTED, data__correct=True).count(),
        busiest=[(row["user_id"], row["n"]) for row in busiest],
        series=_series(base, window),
    )
