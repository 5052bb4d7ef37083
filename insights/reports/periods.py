"""Report periods: the day, the week (Monday to Monday) or the calendar month that ends at
00:00 UTC of a given date (exclusive), and the period just before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from insights.aggregations import Window

KINDS = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Period:
    """``start <= at < end``, both at 00:00 UTC."""

    kind: str
    start: datetime
    end: datetime

    def previous(self) -> Period:
        """The period of the same kind just before this one (the previous calendar month for
        a monthly period, whatever its length)."""
        return period_ending(self.kind, self.start.date())

    def window(self) -> Window:
        """The insights window of this period, cut by day (the CSV's rows)."""
        return Window(since=self.start, until=self.end, interval="day")

    @property
    def last_day(self) -> date:
        """The last day the period covers."""
        return (self.end - timedelta(days=1)).date()

    @property
    def label(self) -> str:
        """How the period reads in a subject line: "24 Nov 2026", "16-22 Nov 2026",
        "October 2026"."""
        first, last = self.start.date(), self.last_day
        if self.kind == "daily":
            return f"{first.day} {first:%b %Y}"
        if self.kind == "monthly":
            return f"{first:%B %Y}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}-{last.day} {last:%b %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%b} - {last.day} {last:%b %Y}"
        return f"{first.day} {first:%b %Y} - {last.day} {last:%b %Y}"


def period_ending(kind: str, end: date) -> Period:
    """The period of ``kind`` that ends at 00:00 UTC of ``end`` or, for a week or a month that
    ``end`` falls inside, the last whole one before it (so a weekly report on a Wednesday
    covers the week that ended on Monday)."""
    if kind == "daily":
        last_end = end
        first = last_end - timedelta(days=1)
    elif kind == "weekly":
        last_end = end - timedelta(days=end.weekday())
        first = last_end - timedelta(days=7)
    elif kind == "monthly":
        last_end = end.replace(day=1)
        first = (last_end - timedelta(days=1)).replace(day=1)
    else:
        raise ValueError(f"unknown report period {kind!r}; expected one of {', '.join(KINDS)}")
    return Period(kind=kind, start=_midnight(first), end=_midnight(last_end))


def today_utc() -> date:
    """Today's date in UTC: the default end of a report period."""
    return datetime.now(UTC).date()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
