"""A scheduled report goes out once per period: two senders at the same moment (beat firing
twice, a retried task) send one email; a failed or abandoned run is sent by the next try."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from insights.reports import services
from insights.reports.models import ReportRun, ReportStatus
from insights.reports.periods import period_ending
from workers.reports import retry_unsent_reports

END = date(2026, 11, 25)


@pytest.fixture
def recipients(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_the_report_once(recipients):
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.send_scheduled_report(kind="daily", period_end=END))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcome.claimed for outcome in outcomes) == [False, True]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@example.com"]
    run = ReportRun.objects.get()
    assert (run.kind, run.status, run.attempts) == ("daily", ReportStatus.SENT, 1)
    assert run.recipients == ["ops@example.com"] and run.sent_at is not None


@pytest.mark.django_db
def test_a_period_already_sent_is_not_sent_again(recipients):
    first = services.send_scheduled_report(kind="weekly", period_end=END)
    again = services.send_scheduled_report(kind="weekly", period_end=END)
    assert first.claimed and not again.claimed
    assert again.run.pk == first.run.pk and again.run.status == ReportStatus.SENT
    assert len(mail.outbox) == 1
    # Another kind, or the next period, is another report.
    services.send_scheduled_report(kind="daily", period_end=END)
    services.send_scheduled_report(kind="daily", period_end=END + timedelta(days=1))
    assert len(mail.outbox) == 3


def make_run(status: str, claimed_ago: timedelta) -> ReportRun:
    period = period_ending("daily", END)
    return ReportRun.objects.create(
        kind="daily",
        period_start=period.start,
        period_end=period.end,
        status=status,
        claimed_at=timezone.now() - claimed_ago,
        error="boom" if status == ReportStatus.FAILED else "",
    )


@pytest.mark.django_db
def test_a_failed_run_is_sent_by_the_next_try(recipients):
    run = make_run(ReportStatus.FAILED, timedelta(minutes=1))
    outcome = services.send_scheduled_report(kind="daily", period_end=END)
    assert outcome.claimed and outcome.run.pk == run.pk
    assert (outcome.run.status, outcome.run.attempts, outcome.run.error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_run_being_sent_is_left_to_its_sender(recipients):
    make_run(ReportStatus.PENDING, timedelta(minutes=1))
    outcome = services.send_scheduled_report(kind="daily", period_end=END)
    assert not outcome.claimed and outcome.run.status == ReportStatus.PENDING
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_run_abandoned_in_pending_is_taken_over(recipients, settings):
    settings.REPORT_CLAIM_TIMEOUT = 600
    make_run(ReportStatus.PENDING, timedelta(minutes=11))
    outcome = services.send_scheduled_report(kind="daily", period_end=END)
    assert outcome.claimed and outcome.run.status == ReportStatus.SENT
    assert outcome.run.attempts == 2 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_report_with_no_recipients_is_skipped_and_sent_once_someone_listens(settings):
    settings.REPORT_RECIPIENTS = []
    outcome = services.send_scheduled_report(kind="daily", period_end=END)
    assert outcome.run.status == ReportStatus.SKIPPED and "REPORT_RECIPIENTS" in outcome.run.error
    assert mail.outbox == []
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    outcome = services.send_scheduled_report(kind="daily", period_end=END)
    assert outcome.claimed and outcome.run.status == ReportStatus.SENT
    assert len(mail.outbox) == 1


# The sweep (beat, every half hour) for reports whose task gave up.
AFTER_END = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_failed_report_is_sent_by_the_sweep(recipients):
    run = make_run(ReportStatus.FAILED, timedelta(hours=3))
    tried = services.retry_unsent_reports(now=AFTER_END)
    assert [r.pk for r in tried] == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ReportStatus.SENT, 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_report_still_failing_stays_failed_for_the_next_sweep(recipients, monkeypatch):
    run = make_run(ReportStatus.FAILED, timedelta(hours=3))

    def down(*args, **kwargs):
        raise ConnectionError("SES is down")

    monkeypatch.setattr(services, "send_report_email", down)
    assert [r.status for r in services.retry_unsent_reports(now=AFTER_END)] == ["failed"]
    run.refresh_from_db()
    assert run.attempts == 2 and "SES is down" in run.error


@pytest.mark.django_db
def test_the_sweep_leaves_old_exhausted_skipped_and_live_runs_alone(recipients, settings):
    settings.REPORT_CLAIM_TIMEOUT = 600
    make_run(ReportStatus.PENDING, timedelta(minutes=1))  # its sender is at work
    assert services.retry_unsent_reports(now=AFTER_END) == []
    ReportRun.objects.update(status=ReportStatus.FAILED)
    assert services.retry_unsent_reports(now=AFTER_END + timedelta(days=4)) == []  # too old
    ReportRun.objects.update(attempts=services.RETRY_UNSENT_ATTEMPTS)
    assert services.retry_unsent_reports(now=AFTER_END) == []  # tried enough
    ReportRun.objects.update(attempts=1, status=ReportStatus.SKIPPED)
    assert services.retry_unsent_reports(now=AFTER_END) == []  # nobody to send it to
    assert mail.outbox == []


def test_the_sweep_is_on_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["retry-unsent-reports"]
    assert entry["task"] == retry_unsent_reports.name
