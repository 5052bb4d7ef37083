"""`manage.py sendreport daily|weekly|monthly [--period-end DATE] [--to EMAIL]`: the report of
one period now, to the report recipients once per period, or with --to to that address only,
every time."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from insights.reports.models import ReportRun, ReportStatus
from tests.seeded_events import seed

pytestmark = pytest.mark.django_db


def sendreport(*args: str) -> str:
    out = io.StringIO()
    call_command("sendreport", *args, stdout=out)
    return out.getvalue()


def test_the_report_goes_to_the_recipients_once_per_period(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com", "cto@example.com"]
    seed()
    out = sendreport("daily", "--period-end", "2026-11-04")
    assert out.strip() == "sent the daily report for 3 Nov 2026 to ops@example.com, cto@example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.com", "cto@example.com"]
    assert mail.outbox[0].subject == "facedetect daily report: 3 Nov 2026"

    out = sendreport("daily", "--period-end", "2026-11-04")
    assert "was already sent" in out and "use --to" in out
    assert len(mail.outbox) == 1


def test_to_sends_to_that_address_only_even_if_the_period_was_sent(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    sendreport("monthly", "--period-end", "2026-12-01")
    out = sendreport("monthly", "--period-end", "2026-12-01", "--to", "me@example.com")
    assert out.strip() == "sent the monthly report for November 2026 to me@example.com"
    sendreport("monthly", "--period-end", "2026-12-01", "--to", "me@example.com")
    assert [m.to for m in mail.outbox] == [
        ["ops@example.com"],
        ["me@example.com"],
        ["me@example.com"],
    ]
    runs = ReportRun.objects.order_by("created_at")
    assert [(r.scheduled, r.status, r.recipients) for r in runs] == [
        (True, ReportStatus.SENT, ["ops@example.com"]),
        (False, ReportStatus.SENT, ["me@example.com"]),
        (False, ReportStatus.SENT, ["me@example.com"]),
    ]


def test_to_does_not_count_as_the_period_s_report(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    sendreport("weekly", "--period-end", "2026-11-30", "--to", "me@example.com")
    sendreport("weekly", "--period-end", "2026-11-30")
    assert [m.to for m in mail.outbox] == [["me@example.com"], ["ops@example.com"]]


def test_the_period_ends_today_by_default(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    sendreport("daily")
    run = ReportRun.objects.get()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert (run.period_start, run.period_end) == (today - timedelta(days=1), today)


def test_without_recipients_the_command_says_so(settings):
    settings.REPORT_RECIPIENTS = []
    with pytest.raises(CommandError, match="No recipients"):
        sendreport("daily", "--period-end", "2026-11-25")
    assert ReportRun.objects.get().status == ReportStatus.SKIPPED
    assert mail.outbox == []


@pytest.mark.parametrize(
    "args",
    [("hourly",), ("daily", "--period-end", "25/11/2026"), ("daily", "--period-end", "2026-13-01")],
)
def test_bad_arguments_are_refused(args):
    with pytest.raises(CommandError):
        sendreport(*args)
    assert ReportRun.objects.count() == 0
