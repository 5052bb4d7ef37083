"""Two days of events with their summary worked out by hand, shared by the insights tests."""

from datetime import UTC, datetime

from insights import events
from insights.services import record_event, ship_pending_events

WINDOW = {"since": "2026-11-02T00:00:00Z", "until": "2026-11-04T00:00:00Z"}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


def output(user_id, when, status, confidences, queue, inference, total, code=None):
    record_event(
        events.OUTPUT_PRODUCED,
        user_id=user_id,
        at=when,
        status=status,
        error_code=code,
        face_count=len(confidences),
        confidences=confidences,
        queue_ms=queue,
        inference_ms=inference,
        total_ms=total,
    )


def seed() -> None:
    """Two days of events (Monday 2 and Tuesday 3 November 2026), and two just outside."""
    record_event(events.JOB_SUBMITTED, user_id=1, at=at(1, 23, 59, 59), job_id="before")
    record_event(events.JOB_SUBMITTED, user_id=1, at=at(4, 0), job_id="after")  # until: excluded

    record_event(events.USER_SIGNED_UP, user_id=1, at=at(2, 9))
    record_event(events.USER_KEY_CREATED, user_id=1, at=at(2, 9), key_prefix="fd_a")
    record_event(events.USER_SIGNED_UP, user_id=2, at=at(2, 10))
    record_event(events.USER_LOGGED_IN, user_id=1, at=at(2, 11), key_prefix="fd_a")
    for minute in range(3):
        record_event(events.JOB_SUBMITTED, user_id=1, at=at(2, 12, minute), job_id=f"j{minute}")
    record_event(events.JOB_SUBMITTED, user_id=2, at=at(2, 13), job_id="j3")
    output(1, at(2, 14), "succeeded", [0.99, 0.85], 100, 200, 300)
    output(1, at(2, 14), "succeeded", [], 200, 300, 500)
    output(1, at(2, 14), "failed", [], 50, None, 60, code="unsupported_media_type")
    output(2, at(2, 14), "succeeded", [0.995], 400, 100, 700)
    for brightness, size in ((10.0, 50_000), (128.0, 600_000), (None, 150_000), (255.0, 6_000_000)):
        record_event(
            events.INPUT_RECEIVED, user_id=1, at=at(2, 14), brightness=brightness, size_bytes=size
        )

    record_event(events.JOB_SUBMITTED, user_id=2, at=at(3, 8), job_id="j4")
    # Values on the bucket edges fall in the bucket that starts there.
    output(2, at(3, 9), "succeeded", [0.5, 0.7, 0.8, 0.9, 0.95, 0.3], 1000, 500, 2000)
    record_event(events.INPUT_RECEIVED, user_id=2, at=at(3, 9), brightness=32.0, size_bytes=100_000)
    record_event(events.USER_KEY_REVOKED, user_id=1, at=at(3, 10), key_prefix="fd_a")
    record_event(events.USER_KEY_RECOVERED, user_id=2, at=at(3, 10), key_prefix="fd_b")
    record_event(events.FEEDBACK_SUBMITTED, user_id=1, at=at(3, 11), job_id="j0", correct=True)
    record_event(events.FEEDBACK_SUBMITTED, user_id=2, at=at(3, 11), job_id="j3", correct=False)
    record_event(events.FEEDBACK_SUBMITTED, user_id=1, at=at(3, 12), job_id="j1", correct=True)
    record_event(events.JOB_DELETED, user_id=1, at=at(3, 12), job_id="j2")
    record_event(events.USER_SIGNED_UP, user_id=3, at=at(3, 23, 59, 59))
    record_event(events.USER_ACCOUNT_DELETED, user_id=4, at=at(3, 23))
    ship_pending_events()


def ranges(edges, counts):
    uppers = [*edges[1:], None]
    return [{"from": a, "to": b, "count": n} for a, b, n in zip(edges, uppers, counts)]


EXPECTED = {
    "window": {
        "since": "2026-11-02T00:00:00+00:00",
        "until": "2026-11-04T00:00:00+00:00",
        "interval": "day",
    },
    "source": "database",
    "jobs": {
        "submitted": 5,
        "by_status": {"succeeded": 4, "failed": 1},
        "failure_codes": {"unsupported_media_type": 1},
        "deleted": 1,
    },
    "images": {
        "processed": 4,
        "with_no_face": 1,
        "with_no_face_share": 0.25,
        # Face counts of the succeeded jobs: 2, 0, 1, 6.
        "faces_per_image": ranges((0, 1, 2, 3, 4, 5), [1, 1, 1, 0, 0, 1]),
        # Brightness 10, 128, 255, 32 (one input without a value).
        "brightness": ranges((0, 32, 64, 96, 128, 160, 192, 224), [1, 1, 0, 0, 1, 0, 0, 1]),
        # Sizes 50 k, 600 k, 150 k, 6 M, 100 k.
        "size_bytes": ranges(
            (0, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000), [1, 2, 1, 0, 0, 1]
        ),
    },
    "faces": {
        "detected": 9,
        "mean_per_image": 2.25,
        # 0.3 | 0.5 | 0.7 | 0.85 0.8 | 0.9 | 0.95 | 0.99 0.995
        "confidence": ranges((0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99), [1, 1, 1, 2, 1, 1, 2]),
        "low_confidence": {"threshold": 0.9, "count": 5, "share": 0.5556},
    },
    # queue 50 100 200 400 1000; inference 100 200 300 500; total 60 300 500 700 2000:
    # p50 is the middle (or the mean of the two middle) values; p95 of five values lies at rank
    # 3.8, 80% of the way from the 4th to the 5th; of four values at rank 2.85.
    "latency_ms": {
        "queue": {"p50": 200.0, "p95": 880.0, "p99": 976.0},
        "inference": {"p50": 250.0, "p95": 470.0, "p99": 494.0},
        "total": {"p50": 500.0, "p95": 1740.0, "p99": 1948.0},
    },
    "users": {
        "signed_up": 3,
        "active": 2,
        "logged_in": 1,
        "keys_created": 1,
        "keys_revoked": 1,
        "keys_recovered": 1,
        "accounts_deleted": 1,
    },
    "feedback": {"submitted": 3, "marked_correct": 2, "correct_share": 0.6667},
    "busiest_accounts": [{"user_id": 1, "jobs": 3}, {"user_id": 2, "jobs": 2}],
    "series": [
        {
            "start": "2026-11-02T00:00:00+00:00",
            "jobs_submitted": 4,
            "jobs_succeeded": 3,
            "jobs_failed": 1,
            "faces": 3,
            "signups": 2,
        },
        {
            "start": "2026-11-03T00:00:00+00:00",
            "jobs_submitted": 1,
            "jobs_succeeded": 1,
            "jobs_failed": 0,
            "faces": 6,
            "signups": 1,
        },
    ],
}
