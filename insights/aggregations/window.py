"""The time window every insight question is asked over: [since, until) in UTC, by interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from insights.errors import InvalidWindow

INTERVALS = ("hour", "day", "week")
DEFAULT_SPAN = timedelta(days=7)
# A series longer than this is a mistake (a year by the hour), not a question.
MAX_BUCKETS = 2000

_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


@dataclass(frozen=True)
class Window:
    """Events with ``since <= at < until``; the series is cut by ``interval``."""

    since: datetime
    until: datetime
    interval: str = "day"

    def __post_init__(self) -> None:
        if self.interval not in INTERVALS:
            raise InvalidWindow(f"interval must be one of {', '.join(INTERVALS)}.")
        if timezone.is_naive(self.since) or timezone.is_naive(self.until):
            raise InvalidWindow("since and until must carry a time zone.")
        if self.since >= self.until:
            raise InvalidWindow("since must be before until.")
        if (self.until - self.since) / _STEP[self.interval] > MAX_BUCKETS:
            raise InvalidWindow(
                f"The window holds more than {MAX_BUCKETS} {self.interval}s; "
                "choose a larger interval or a shorter window."
            )

    @classmethod
    def ending(
        cls, until: datetime | None = None, *, span: timedelta = DEFAULT_SPAN, interval: str = "day"
    ) -> Window:
        """The window of length ``span`` that ends at ``until`` (default: now)."""
        until = until or timezone.now()
        return cls(since=until - span, until=until, interval=interval)

    def previous(self) -> Window:
        """The window of the same length just before this one (for period-over-period)."""
        return Window(
            since=self.since - (self.until - self.since), until=self.since, interval=self.interval
        )

    def bucket_start(self, moment: datetime) -> datetime:
        """The start of the interval holding ``moment`` (UTC; weeks start on Monday)."""
        moment = moment.astimezone(UTC)
        if self.interval == "hour":
            return moment.replace(minute=0, second=0, microsecond=0)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=day.weekday()) if self.interval == "week" else day

    def bucket_starts(self) -> list[datetime]:
        """The start of every interval that overlaps the window, in order."""
        starts, current = [], self.bucket_start(self.since)
        while current < self.until:
            starts.append(current)
            current += _STEP[self.interval]
        return starts
