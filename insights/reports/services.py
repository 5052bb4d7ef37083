"""Sending reports. A scheduled report goes out once per period: the sender that claims the
period's ReportRun (an insert under a unique constraint, or a conditional update of a failed
or abandoned run) sends it; any other sender at the same time (beat firing twice, a retried
task, the sendreport command) finds it claimed and stops."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from insights.reports.content import build_report
from insights.reports.errors import ReportNotSent
from insights.reports.models import ReportRun, ReportStatus
from insights.reports.periods import Period, period_ending
from insights.reports.selectors import report_recipients
from insights.reports.send import send_report_email

logger = logging.getLogger(__name__)

NO_RECIPIENTS = "No recipients: set REPORT_RECIPIENTS or let staff opt in (receives_reports)."


class SendResult(NamedTuple):
    run: ReportRun
    claimed: bool  # False: another sender has sent it, or is sending it, already


def send_scheduled_report(
    *, kind: str, period_end: date, now: datetime | None = None
) -> SendResult:
    """Send the report of the ``kind`` period ending at ``period_end`` (00:00 UTC) to the
    report recipients, unless it was sent or is being sent. Raises ReportNotSent (the run is
    then marked failed, and a later call retries it)."""
    period = period_ending(kind, period_end)
    now = now or timezone.now()
    run = _claim(period, now=now)
    if run is None:
        existing = ReportRun.objects.get(
            kind=period.kind, period_start=period.start, scheduled=True
        )
        return SendResult(existing, claimed=False)
    recipients = report_recipients()
    if not recipients:
        logger.warning("%s report for %s not sent: %s", kind, period.label, NO_RECIPIENTS)
        _finish(run, status=ReportStatus.SKIPPED, error=NO_RECIPIENTS)
        return SendResult(run, claimed=True)
    _deliver(run, period, recipients)
    return SendResult(run, claimed=True)


# A scheduled report that failed (or whose sender died) is tried again by retry_unsent_reports
# for this long after its period ended, and at most this many times in all.
RETRY_UNSENT_FOR = timedelta(days=3)
RETRY_UNSENT_ATTEMPTS = 12


def retry_unsent_reports(*, now: datetime | None = None) -> list[ReportRun]:
    """Send again the recent scheduled reports that failed or were abandoned while pending
    (beat, every half hour). The task's own retries give up after a quarter of an hour, and
    each beat tick only sends its own new period: without this, a report that failed during
    a longer outage of the sink or the mail service was never sent. Returns the runs tried."""
    now = now or timezone.now()
    abandoned = now - timedelta(seconds=settings.REPORT_CLAIM_TIMEOUT)
    due = ReportRun.objects.filter(
        Q(status=ReportStatus.FAILED) | Q(status=ReportStatus.PENDING, claimed_at__lt=abandoned),
        scheduled=True,
        period_end__gte=now - RETRY_UNSENT_FOR,
        attempts__lt=RETRY_UNSENT_ATTEMPTS,
    ).order_by("period_end")
    tried = []
    for run in due:
        end = run.period_end.date()
        try:
            outcome = send_scheduled_report(kind=run.kind, period_end=end, now=now)
        except ReportNotSent:
            logger.warning("%s report ending %s still not sent", run.kind, end)
            run.refresh_from_db()
            tried.append(run)
            continue
        tried.append(outcome.run)
    return tried


def send_report_now(*, kind: str, period_end: date, to: list[str]) -> ReportRun:
    """Send the report of a period to these addresses only, whether or not it was sent
    before (recorded as an unscheduled run). Raises ReportNotSent."""
    period = period_ending(kind, period_end)
    run = ReportRun.objects.create(
        kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        scheduled=False,
        recipients=to,
    )
    _deliver(run, period, to)
    return run


def _claim(period: Period, *, now: datetime) -> ReportRun | None:
    run, created = ReportRun.objects.get_or_create(
        kind=period.kind,
        period_start=period.start,
        scheduled=True,
        defaults={"period_end": period.end, "claimed_at": now},
    )
    if created:
        return run
    # A failed or skipped run is retried; a pending one only once its sender looks dead.
    abandoned = now - timedelta(seconds=settings.REPORT_CLAIM_TIMEOUT)
    taken = (
        ReportRun.objects.filter(pk=run.pk)
        .filter(
            Q(status__in=[ReportStatus.FAILED, ReportStatus.SKIPPED])
            | Q(status=ReportStatus.PENDING, claimed_at__lt=abandoned)
        )
        .update(status=ReportStatus.PENDING, claimed_at=now, attempts=F("attempts") + 1, error="")
    )
    if not taken:
        return None
    run.refresh_from_db()
    return run


def _deliver(run: ReportRun, period: Period, recipients: list[str]) -> None:
    try:
        send_report_email(build_report(period), to=recipients)
    except Exception as exc:
        # Whatever broke (the sink, the mail service, a bug), the run says so in the admin.
        error = f"{type(exc).__name__}: {exc}"
        _finish(run, status=ReportStatus.FAILED, error=error, recipients=recipients)
        raise ReportNotSent(f"The {run.kind} report was not sent: {error}") from exc
    _finish(run, status=ReportStatus.SENT, recipients=recipients, sent_at=timezone.now())


def _finish(run: ReportRun, *, status: str, **fields) -> None:
    # Only while the claim is still ours: a sender that took over an abandoned run owns it.
    ReportRun.objects.filter(pk=run.pk, claimed_at=run.claimed_at).update(status=status, **fields)
    run.refresh_from_db()
