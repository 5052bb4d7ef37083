"""`python manage.py sendreport daily|weekly|monthly [--period-end DATE] [--to EMAIL]`: build
and send one report now, to the report recipients once per period, or with --to to that address
only, every time."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from insights.reports import services
from insights.reports.errors import ReportNotSent
from insights.reports.models import ReportStatus
from insights.reports.periods import KINDS, period_ending, today_utc


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--period-end must be an ISO date (YYYY-MM-DD), not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Send the daily, weekly or monthly report of the period ending at 00:00 UTC of "
        "--period-end (default today). Without --to it goes to the report recipients, once "
        "per period; with --to, to those addresses only, even if the period was sent before."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("period", choices=KINDS)
        parser.add_argument(
            "--period-end",
            type=_date,
            help="ISO date (UTC); the period ends at 00:00 of that day, exclusive",
        )
        parser.add_argument(
            "--to",
            action="append",
            metavar="EMAIL",
            help="send to this address only (repeat for several)",
        )

    def handle(self, *args, **options) -> None:
        kind, end = options["period"], options["period_end"] or today_utc()
        label = f"{kind} report for {period_ending(kind, end).label}"
        try:
            if options["to"]:
                run = services.send_report_now(kind=kind, period_end=end, to=options["to"])
                self.stdout.write(f"sent the {label} to {', '.join(run.recipients)}")
                return
            run, claimed = services.send_scheduled_report(kind=kind, period_end=end)
        except ReportNotSent as exc:
            raise CommandError(exc.message) from exc
        if not claimed:
            when = f" at {run.sent_at:%Y-%m-%d %H:%M} UTC" if run.sent_at else ""
            self.stdout.write(
                f"the {label} was already {run.status}{when} (run {run.pk}); "
                "use --to to send it again"
            )
        elif run.status == ReportStatus.SKIPPED:
            raise CommandError(f"the {label} was not sent: {run.error}")
        else:
            self.stdout.write(f"sent the {label} to {', '.join(run.recipients)}")
