"""The figures of a report, read from the database sink, against values worked out by hand
from tests/seeded_events.py (Monday 2 and Tuesday 3 November 2026, one event on Sunday 1 at
23:59:59 and one on Wednesday 4 at 00:00)."""

from datetime import date

import pytest

from insights import events
from insights.reports.content import build_report
from insights.reports.periods import period_ending
from insights.services import record_event, ship_pending_events
from tests.seeded_events import at, seed

pytestmark = pytest.mark.django_db


def figures(report) -> dict:
    return {
        m.key: (m.current, m.previous, m.delta, m.change)
        for section in report.sections
        for m in section.metrics
    }


def test_daily_report_compares_the_day_with_the_day_before():
    seed()
    report = build_report(period_ending("daily", date(2026, 11, 4)))  # covers the 3rd
    assert report.source == "database"
    assert report.previous_period == period_ending("daily", date(2026, 11, 3))
    # (Tuesday 3, Monday 2, delta, relative change)
    assert figures(report) == {
        "jobs.submitted": (1, 4, -3, -0.75),
        "jobs.by_status.succeeded": (1, 3, -2, -0.6667),
        "jobs.by_status.failed": (0, 1, -1, -1.0),
        "jobs.deleted": (1, 0, 1, None),
        "images.processed": (1, 3, -2, -0.6667),
        "images.with_no_face": (0, 1, -1, -1.0),
        # A share's delta is in fraction points and has no relative change.
        "images.with_no_face_share": (0.0, 0.3333, -0.3333, None),
        "faces.detected": (6, 3, 3, 1.0),
        "faces.mean_per_image": (6.0, 1.0, 5.0, 5.0),
        # Confidences 0.5 0.7 0.8 0.9 0.95 0.3 (four below 0.9) against 0.99 0.85 0.995.
        "faces.low_confidence.count": (4, 1, 3, 3.0),
        "faces.low_confidence.share": (0.6667, 0.3333, 0.3334, None),
        # One output (2000 ms) against 60 300 500 700: p50 400; p95 at rank 2.85: 670.
        "latency_ms.total.p50": (2000.0, 400.0, 1600.0, 4.0),
        "latency_ms.total.p95": (2000.0, 670.0, 1330.0, 1.9851),
        "latency_ms.queue.p50": (1000.0, 150.0, 850.0, 5.6667),
        "latency_ms.queue.p95": (1000.0, 370.0, 630.0, 1.7027),
        # The failed job has no inference time: 200 300 100 on Monday.
        "latency_ms.inference.p50": (500.0, 200.0, 300.0, 1.5),
        "latency_ms.inference.p95": (500.0, 290.0, 210.0, 0.7241),
        "users.signed_up": (1, 2, -1, -0.5),
        "users.active": (2, 2, 0, 0.0),
        "users.keys_created": (0, 1, -1, -1.0),
        "users.keys_revoked": (1, 0, 1, None),
        "feedback.submitted": (3, 0, 3, None),
        "feedback.marked_correct": (2, 0, 2, None),
        # No feedback on Monday: no share, so no delta.
        "feedback.correct_share": (0.6667, None, None, None),
    }
    assert [(b.label, b.current, b.previous) for b in report.failure_codes] == [
        ("unsupported_media_type", 0, 1)
    ]
    assert [(a.user_id, a.jobs) for a in report.busiest_accounts] == [(2, 1)]
    assert report.low_confidence_threshold == 0.9
    assert [row["start"] for row in report.series] == ["2026-11-03T00:00:00+00:00"]


def test_distributions_put_this_period_beside_the_previous_one():
    seed()
    report = build_report(period_ending("daily", date(2026, 11, 4)))
    confidence = report.distribution("confidence")
    assert [(b.label, b.current, b.previous) for b in confidence.buckets] == [
        ("0.00-0.50", 1, 0),
        ("0.50-0.70", 1, 0),
        ("0.70-0.80", 1, 0),
        ("0.80-0.90", 1, 1),
        ("0.90-0.95", 1, 0),
        ("0.95-0.99", 1, 0),
        ("≥ 0.99", 0, 2),
    ]
    # Tuesday: brightness 32; Monday: 10, 128, 255 (and one input without a value).
    brightness = report.distribution("brightness")
    assert [b.current for b in brightness.buckets] == [0, 1, 0, 0, 0, 0, 0, 0]
    assert [b.previous for b in brightness.buckets] == [1, 0, 0, 0, 1, 0, 0, 1]
    size = report.distribution("size_bytes")
    assert [b.label for b in size.buckets] == [
        "0-100 kB", "100-500 kB", "500 kB-1 MB", "1-2 MB", "2-5 MB", "≥ 5 MB",
    ]  # fmt: skip
    # Tuesday: 100 k; Monday: 50 k, 600 k, 150 k, 6 M.
    assert [b.current for b in size.buckets] == [0, 1, 0, 0, 0, 0]
    assert [b.previous for b in size.buckets] == [1, 1, 1, 0, 0, 1]


def test_weekly_report_covers_monday_to_monday():
    seed()
    # Wednesday 11 November: the last whole week is Monday 2 to Monday 9.
    report = build_report(period_ending("weekly", date(2026, 11, 11)))
    assert report.period.start.date() == date(2026, 11, 2)
    assert report.period.end.date() == date(2026, 11, 9)
    assert report.previous_period.start.date() == date(2026, 10, 26)
    # Five jobs on the 2nd and 3rd and the one at 00:00 on the 4th, against Sunday's one.
    assert report.metric("jobs.submitted").current == 6
    assert report.metric("jobs.submitted").previous == 1
    assert report.metric("jobs.submitted").change == 5.0
    assert report.metric("users.signed_up").current == 3
    assert [(a.user_id, a.jobs) for a in report.busiest_accounts] == [(1, 4), (2, 2)]
    assert len(report.series) == 7
    assert [row["jobs_submitted"] for row in report.series] == [4, 1, 1, 0, 0, 0, 0]


def test_monthly_report_covers_the_calendar_month_before():
    seed()
    report = build_report(period_ending("monthly", date(2026, 12, 1)))
    assert (report.period.start.date(), report.period.end.date()) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
    )
    # The previous period is October, all 31 days of it.
    assert report.previous_period.start.date() == date(2026, 10, 1)
    assert report.previous_period.end.date() == date(2026, 11, 1)
    assert report.metric("jobs.submitted").current == 7
    assert report.metric("jobs.submitted").previous == 0
    assert report.metric("jobs.submitted").change is None  # nothing to compare with
    assert report.metric("feedback.correct_share").current == 0.6667
    assert len(report.series) == 30


def test_an_empty_period_is_all_zeros_and_blanks():
    seed()
    report = build_report(period_ending("daily", date(2026, 10, 2)))
    counts = [m for s in report.sections for m in s.metrics if m.unit in ("count",)]
    assert counts and all(m.current == 0 and m.previous == 0 for m in counts)
    assert all(m.delta == 0 and m.change is None for m in counts)
    for key in ("images.with_no_face_share", "faces.mean_per_image", "latency_ms.total.p95"):
        metric = report.metric(key)
        assert (metric.current, metric.previous, metric.delta) == (None, None, None)
    assert report.failure_codes == [] and report.busiest_accounts == []
    assert all(d.is_empty for d in report.distributions)


def test_busiest_accounts_show_the_account_email(make_account):
    user, _ = make_account("busy@example.com")
    for minute in range(2):
        record_event(events.JOB_SUBMITTED, user_id=user.pk, at=at(24, 10, minute), job_id="x")
    record_event(events.JOB_SUBMITTED, user_id=999_999, at=at(24, 11), job_id="gone")
    ship_pending_events()
    report = build_report(period_ending("daily", date(2026, 11, 25)))
    assert [(a.email, a.jobs) for a in report.busiest_accounts] == [
        ("busy@example.com", 2),
        (None, 1),  # an account deleted since
    ]
