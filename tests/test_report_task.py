"""The task beat fires sends the report of the period ending today 00:00 UTC, through the
real worker; a failed send is retried with the same period, then left failed in the admin."""

import socket
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from celery import current_app
from django.core import mail

import workers.reports
from insights.reports.models import ReportRun, ReportStatus
from tests.conftest import wait_until
from workers.reports import MAX_RETRIES, send_scheduled_report

TASK = "workers.reports.send_scheduled_report"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_the_scheduled_task_sends_the_report_of_the_day_before(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    current_app.send_task(TASK, args=["daily"])  # as beat sends it
    wait_until(
        lambda: ReportRun.objects.filter(status=ReportStatus.SENT).exists(),
        message="the report was not sent",
    )
    run = ReportRun.objects.get()
    assert (run.kind, run.period_start, run.period_end) == (
        "daily",
        today - timedelta(days=1),
        today,
    )
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_message_run_after_midnight_sends_the_period_of_the_day_it_was_sent(
    settings, monkeypatch
):
    # Beat publishes on 20 Nov; the worker (a thread of this process) runs it on a later day.
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    publisher, real_today = threading.current_thread(), workers.reports.today_utc
    monkeypatch.setattr(
        workers.reports,
        "today_utc",
        lambda: date(2026, 11, 20) if threading.current_thread() is publisher else real_today(),
    )
    current_app.send_task(TASK, args=["daily"])
    wait_until(
        lambda: ReportRun.objects.filter(status=ReportStatus.SENT).exists(),
        message="the report was not sent",
    )
    run = ReportRun.objects.get()
    assert (run.period_start, run.period_end) == (
        datetime(2026, 11, 19, tzinfo=UTC),
        datetime(2026, 11, 20, tzinfo=UTC),
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_a_failed_send_is_retried_then_left_failed(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    # apply() runs the task and its retries here, one after the other, without the countdown.
    result = send_scheduled_report.apply(args=["weekly", "2026-11-25"])
    assert result.failed()
    run = ReportRun.objects.get()
    assert run.period_start.date() == date(2026, 11, 16)
    assert run.status == ReportStatus.FAILED and run.attempts == 1 + MAX_RETRIES
    assert "ConnectionRefusedError" in run.error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_scheduled_report.apply(args=["weekly", "2026-11-25"]).get() == ReportStatus.SENT
    assert ReportRun.objects.get().attempts == 2 + MAX_RETRIES
    assert len(mail.outbox) == 1
