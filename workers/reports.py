"""Celery task for the periodic reports (beat: the PeriodicTasks report-daily, -weekly and
-monthly in the database)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from insights.reports import services
from insights.reports.errors import ReportNotSent
from insights.reports.periods import today_utc

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_scheduled_report(self, kind: str, period_end: str | None = None) -> str:
    """Send the ``kind`` report of the period ending today 00:00 UTC (or ``period_end``), once
    per period; returns the run's status."""
    end = date.fromisoformat(period_end) if period_end else today_utc()
    try:
        run, _ = services.send_scheduled_report(kind=kind, period_end=end)
    except ReportNotSent as exc:
        # The retry carries the period, so a retry after midnight still sends the same one.
        raise self.retry(
            args=(kind, end.isoformat()), exc=exc, countdown=60 * 2**self.request.retries
        ) from exc
    return run.status


@shared_task
def retry_unsent_reports() -> int:
    """Send again the recent scheduled reports that failed or were abandoned (beat)."""
    return len(services.retry_unsent_reports())
