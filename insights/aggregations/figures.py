"""What a sink counts for a window (Figures), and the one summary shape built from it.

Each sink backend fills Figures with the same definitions; ``build_summary`` derives the
shares and means and lays out the JSON, so both sinks answer with one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from insights import events
from insights.aggregations.window import Window

# Histogram edges: bucket i holds lo <= value < next edge; the last bucket is open-ended.
FACES_PER_IMAGE_EDGES = (0, 1, 2, 3, 4, 5)
CONFIDENCE_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
BRIGHTNESS_EDGES = (0, 32, 64, 96, 128, 160, 192, 224)
SIZE_EDGES = (0, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000)
# A detection below this confidence counts as low-confidence; it is one of CONFIDENCE_EDGES.
LOW_CONFIDENCE = 0.9
PERCENTS = (50, 95, 99)
LATENCIES = ("queue", "inference", "total")
# An account is active in a window when it did one of these (worker events do not count).
ACTIVE_TYPES = (
    events.JOB_SUBMITTED,
    events.USER_LOGGED_IN,
    events.USER_KEY_CREATED,
    events.USER_KEY_REVOKED,
    events.USER_KEY_RECOVERED,
    events.FEEDBACK_SUBMITTED,
)
BUSIEST_LIMIT = 10
# Accounts each Elasticsearch shard returns for the busiest list: exact up to this many
# submitting accounts in one monthly index.
BUSIEST_SHARD_SIZE = 10_000
SERIES_FIELDS = ("jobs_submitted", "jobs_succeeded", "jobs_failed", "faces", "signups")


@dataclass
class Figures:
    """Raw counts of one window, as a sink reports them."""

    event_counts: dict[str, int] = field(default_factory=dict)
    outputs_by_status: dict[str, int] = field(default_factory=dict)
    failure_codes: dict[str, int] = field(default_factory=dict)
    faces_total: int = 0
    faces_per_image: list[int] = field(default_factory=lambda: [0] * len(FACES_PER_IMAGE_EDGES))
    confidence: list[int] = field(default_factory=lambda: [0] * len(CONFIDENCE_EDGES))
    brightness: list[int] = field(default_factory=lambda: [0] * len(BRIGHTNESS_EDGES))
    size_bytes: list[int] = field(default_factory=lambda: [0] * len(SIZE_EDGES))
    # {"queue": {50: ms, 95: ms, 99: ms}, ...}; None where no output had the value.
    latency: dict[str, dict[int, float | None]] = field(default_factory=dict)
    active_users: int = 0
    feedback_correct: int = 0
    busiest: list[tuple[int, int]] = field(default_factory=list)  # (user_id, jobs submitted)
    series: dict[datetime, dict[str, int]] = field(default_factory=dict)  # bucket start: counts


def histogram(edges: tuple, counts: list[int]) -> list[dict]:
    """[{"from": lo, "to": hi or None, "count": n}, ...]."""
    uppers = [*edges[1:], None]
    return [
        {"from": lo, "to": hi, "count": n} for lo, hi, n in zip(edges, uppers, counts, strict=True)
    ]


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def build_summary(window: Window, figures: Figures, *, source: str) -> dict:
    """The summary of a window, JSON-ready; see insights.aggregations for its fields."""
    count = figures.event_counts.get
    succeeded = figures.outputs_by_status.get("succeeded", 0)
    no_face = figures.faces_per_image[0]
    detections = sum(figures.confidence)
    low = sum(
        n for lo, n in zip(CONFIDENCE_EDGES, figures.confidence, strict=True) if lo < LOW_CONFIDENCE
    )
    feedback = count(events.FEEDBACK_SUBMITTED, 0)
    empty = {p: None for p in PERCENTS}
    return {
        "window": {
            "since": window.since.isoformat(),
            "until": window.until.isoformat(),
            "interval": window.interval,
        },
        "source": source,
        "jobs": {
            "submitted": count(events.JOB_SUBMITTED, 0),
            "by_status": {
                "succeeded": succeeded,
                "failed": figures.outputs_by_status.get("failed", 0),
            },
            "failure_codes": dict(sorted(figures.failure_codes.items())),
            "deleted": count(events.JOB_DELETED, 0),
        },
        "images": {
            "processed": succeeded,
            "with_no_face": no_face,
            "with_no_face_share": share(no_face, succeeded),
            "faces_per_image": histogram(FACES_PER_IMAGE_EDGES, figures.faces_per_image),
            "brightness": histogram(BRIGHTNESS_EDGES, figures.brightness),
            "size_bytes": histogram(SIZE_EDGES, figures.size_bytes),
        },
        "faces": {
            "detected": figures.faces_total,
            "mean_per_image": round(figures.faces_total / succeeded, 3) if succeeded else None,
            "confidence": histogram(CONFIDENCE_EDGES, figures.confidence),
            "low_confidence": {
                "threshold": LOW_CONFIDENCE,
                "count": low,
                "share": share(low, detections),
            },
        },
        "latency_ms": {
            name: {
                f"p{p}": None if v is None else round(v, 1)
                for p, v in figures.latency.get(name, empty).items()
            }
            for name in LATENCIES
        },
        "users": {
            "signed_up": count(events.USER_SIGNED_UP, 0),
            "active": figures.active_users,
            "logged_in": count(events.USER_LOGGED_IN, 0),
            "keys_created": count(events.USER_KEY_CREATED, 0),
            "keys_revoked": count(events.USER_KEY_REVOKED, 0),
            "keys_recovered": count(events.USER_KEY_RECOVERED, 0),
            "accounts_deleted": count(events.USER_ACCOUNT_DELETED, 0),
        },
        "feedback": {
            "submitted": feedback,
            "marked_correct": figures.feedback_correct,
            "correct_share": share(figures.feedback_correct, feedback),
        },
        "busiest_accounts": [
            {"user_id": user_id, "jobs": jobs} for user_id, jobs in figures.busiest
        ],
        "series": [
            {
                "start": start.isoformat(),
                **{name: figures.series.get(start, {}).get(name, 0) for name in SERIES_FIELDS},
            }
            for start in window.bucket_starts()
        ],
    }
