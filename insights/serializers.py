"""Query parameters of the insights API."""

from __future__ import annotations

from datetime import date, datetime

from rest_framework import serializers

from insights.aggregations import INTERVALS

# The dates a window or a report period may touch: the arithmetic around them (the period
# before, a default span, the next interval) stays inside the calendar Python represents.
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 1, 1)


def within_calendar(value: date | datetime) -> None:
    """Refuse a date or time outside [EARLIEST, LATEST): 9999-12-31 and 0001-01-01 were 500s."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day < LATEST:
        raise serializers.ValidationError(f"Must be from {EARLIEST} to before {LATEST}.")


class SummaryQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False,
        validators=[within_calendar],
        help_text="ISO 8601, inclusive; default: 7 days before until.",
    )
    until = serializers.DateTimeField(
        required=False, validators=[within_calendar], help_text="ISO 8601, exclusive; default: now."
    )
    interval = serializers.ChoiceField(choices=INTERVALS, default="day")
