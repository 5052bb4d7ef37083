"""Celery task for the periodic reports (beat: the PeriodicTasks report-daily, -weekly and
-monthly in the database)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.signals import before_task_publish

from insights.reports import services
from insights.reports.errors import ReportNotSent
from insights.reports.periods import today_utc

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_scheduled_report(self, kind: str, period_end: str | None = None) -> str:
    """Send the ``kind`` report of the period ending at ``period_end`` 00:00 UTC, once per
    period; returns the run's status. Beat sends only the kind: the period is then the one
    ending on the day the message was published (``fix_report_period``), not on the day a
    worker runs it."""
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


@before_task_publish.connect
def fix_report_period(sender: str | None = None, body=None, **_: object) -> None:
    """Write the period into a report message that names none, as it is published (by beat,
    or by the admin's "run now"). Computed when the task ran, the period of a message that
    waited past midnight UTC (a worker down for a day, a backlog) was the next day's: the
    intended period never had a report, and the next day's was sent early."""
    if sender != send_scheduled_report.name or not isinstance(body, tuple) or len(body) != 3:
        return  # another task, or a message protocol that is not Celery's (2) we publish
    args, kwargs, _embed = body
    if len(args) < 2 and kwargs.get("period_end") is None:
        kwargs["period_end"] = today_utc().isoformat()  # serialized after this signal
