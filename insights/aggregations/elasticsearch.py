"""Figures of a window from the Elasticsearch sink: one search, aggregations only.

``query_body`` builds the request (elasticsearch-dsl), ``parse_response`` reads the answer into
Figures. The definitions are the database backend's: the same filters, the same buckets
(range aggregations with the same edges, on doubles), the same series (UTC, weeks from
Monday). Two figures are estimates here: percentiles (TDigest, within a few percent) and
active users (cardinality, exact up to 40,000 accounts); the busiest accounts are exact up to
10,000 submitting accounts a month (each monthly index's shard returns that many).
"""

from __future__ import annotations

from datetime import UTC, datetime

from elasticsearch_dsl import Search

from insights import events
from insights.aggregations import figures as f
from insights.aggregations.window import Window

_CALENDAR_INTERVAL = {"hour": "hour", "day": "day", "week": "week"}


def _ranges(edges: tuple) -> list[dict]:
    ranges = []
    for i, lo in enumerate(edges):
        bucket = {"key": str(i), "from": lo}
        if i + 1 < len(edges):
            bucket["to"] = edges[i + 1]
        ranges.append(bucket)
    return ranges


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _is(event_type: str) -> dict:
    return {"term": {"type": event_type}}


def _output(status: str) -> dict:
    return {"bool": {"filter": [_is(events.OUTPUT_PRODUCED), {"term": {"status": status}}]}}


def query_body(window: Window) -> dict:
    """The search request (size 0, aggregations) answering the summary for a window."""
    search = Search().filter(
        "range",
        **{
            "@timestamp": {
                "gte": window.since.astimezone(UTC).isoformat(),
                "lt": window.until.astimezone(UTC).isoformat(),
            }
        },
    )
    search = search.extra(size=0, track_total_hits=True)
    aggs = search.aggs
    aggs.bucket("types", "terms", field="type", size=100)

    outputs = aggs.bucket("outputs", "filter", filter=_is(events.OUTPUT_PRODUCED))
    outputs.bucket("status", "terms", field="status", size=10)
    outputs.bucket("failed", "filter", filter={"term": {"status": "failed"}}).bucket(
        "codes", "terms", field="error_code", size=100, missing="unknown"
    )
    for name in f.LATENCIES:
        outputs.metric(name, "percentiles", field=f"{name}_ms", percents=list(f.PERCENTS))
    succeeded = outputs.bucket("succeeded", "filter", filter={"term": {"status": "succeeded"}})
    succeeded.metric("face_count", "sum", field="face_count")
    succeeded.bucket(
        "faces_per_image",
        "range",
        field="face_count",
        keyed=True,
        ranges=_ranges(f.FACES_PER_IMAGE_EDGES),
    )
    succeeded.bucket("faces", "nested", path="faces").bucket(
        "confidence",
        "range",
        field="faces.confidence",
        keyed=True,
        ranges=_ranges(f.CONFIDENCE_EDGES),
    )

    inputs = aggs.bucket("inputs", "filter", filter=_is(events.INPUT_RECEIVED))
    inputs.bucket(
        "brightness", "range", field="brightness", keyed=True, ranges=_ranges(f.BRIGHTNESS_EDGES)
    )
    inputs.bucket(
        "size_bytes", "range", field="size_bytes", keyed=True, ranges=_ranges(f.SIZE_EDGES)
    )

    aggs.bucket("active", "filter", filter={"terms": {"type": list(f.ACTIVE_TYPES)}}).metric(
        "users", "cardinality", field="user_id", precision_threshold=40000
    )
    aggs.bucket(
        "feedback_correct",
        "filter",
        filter={"bool": {"filter": [_is(events.FEEDBACK_SUBMITTED), {"term": {"correct": True}}]}},
    )
    aggs.bucket("submitted", "filter", filter=_is(events.JOB_SUBMITTED)).bucket(
        "busiest",
        "terms",
        field="user_id",
        size=f.BUSIEST_LIMIT,
        # A window spans monthly indices (one shard each): every shard must return enough of
        # its accounts for the merged top list to be exact, not only its own top 25.
        shard_size=f.BUSIEST_SHARD_SIZE,
        order=[{"_count": "desc"}, {"_key": "asc"}],
    )

    series = aggs.bucket(
        "series",
        "date_histogram",
        field="@timestamp",
        calendar_interval=_CALENDAR_INTERVAL[window.interval],
        time_zone="UTC",
        min_doc_count=0,
        # Empty intervals are listed too; max is inclusive, hence the last millisecond.
        extended_bounds={
            "min": _ms(window.bucket_start(window.since)),
            "max": _ms(window.until) - 1,
        },
    )
    series.bucket("jobs_submitted", "filter", filter=_is(events.JOB_SUBMITTED))
    series.bucket("jobs_succeeded", "filter", filter=_output("succeeded")).metric(
        "faces", "sum", field="face_count"
    )
    series.bucket("jobs_failed", "filter", filter=_output("failed"))
    series.bucket("signups", "filter", filter=_is(events.USER_SIGNED_UP))
    return search.to_dict()


def _range_counts(aggregation: dict, edges: tuple) -> list[int]:
    buckets = aggregation["buckets"]
    return [buckets[str(i)]["doc_count"] for i in range(len(edges))]


def _terms(aggregation: dict) -> dict:
    return {bucket["key"]: bucket["doc_count"] for bucket in aggregation["buckets"]}


def _percentiles(aggregation: dict) -> dict[int, float | None]:
    values = {round(float(key)): value for key, value in aggregation["values"].items()}
    return {p: values.get(p) for p in f.PERCENTS}


def parse_response(response: dict) -> f.Figures:
    """Figures from the search response of ``query_body``. Where no index matches the pattern
    yet (a new deployment), Elasticsearch leaves ``aggregations`` out: nothing happened."""
    aggs = response.get("aggregations")
    if aggs is None:
        return f.Figures(latency={name: dict.fromkeys(f.PERCENTS) for name in f.LATENCIES})
    outputs, succeeded = aggs["outputs"], aggs["outputs"]["succeeded"]
    series = {}
    for bucket in aggs["series"]["buckets"]:
        start = datetime.fromtimestamp(bucket["key"] / 1000, tz=UTC)
        series[start] = {
            "jobs_submitted": bucket["jobs_submitted"]["doc_count"],
            "jobs_succeeded": bucket["jobs_succeeded"]["doc_count"],
            "jobs_failed": bucket["jobs_failed"]["doc_count"],
            "faces": int(bucket["jobs_succeeded"]["faces"]["value"] or 0),
            "signups": bucket["signups"]["doc_count"],
        }
    return f.Figures(
        event_counts=_terms(aggs["types"]),
        outputs_by_status=_terms(outputs["status"]),
        failure_codes=_terms(outputs["failed"]["codes"]),
        faces_total=int(succeeded["face_count"]["value"] or 0),
        faces_per_image=_range_counts(succeeded["faces_per_image"], f.FACES_PER_IMAGE_EDGES),
        confidence=_range_counts(succeeded["faces"]["confidence"], f.CONFIDENCE_EDGES),
        brightness=_range_counts(aggs["inputs"]["brightness"], f.BRIGHTNESS_EDGES),
        size_bytes=_range_counts(aggs["inputs"]["size_bytes"], f.SIZE_EDGES),
        latency={name: _percentiles(outputs[name]) for name in f.LATENCIES},
        active_users=aggs["active"]["users"]["value"],
        feedback_correct=aggs["feedback_correct"]["doc_count"],
        busiest=[(b["key"], b["doc_count"]) for b in aggs["submitted"]["busiest"]["buckets"]],
        series=series,
    )
