"""Report periods end at 00:00 UTC of the period-end date: the day before, the last whole
week (Monday to Monday), the last whole calendar month."""

from datetime import UTC, date, datetime

import pytest

from insights.reports.periods import period_ending


def midnight(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_a_daily_report_covers_the_day_before_the_period_end():
    period = period_ending("daily", date(2026, 11, 25))
    assert (period.start, period.end) == (midnight(2026, 11, 24), midnight(2026, 11, 25))
    assert period.label == "24 Nov 2026"
    assert period.previous().start == midnight(2026, 11, 23)


@pytest.mark.parametrize(
    "end", [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 6)]
)  # Monday, Tuesday, Sunday
def test_a_weekly_report_covers_the_last_whole_week_monday_to_monday(end):
    period = period_ending("weekly", end)
    assert (period.start, period.end) == (midnight(2026, 11, 23), midnight(2026, 11, 30))
    assert period.start.weekday() == 0 and period.label == "23-29 Nov 2026"
    assert (period.previous().start, period.previous().end) == (
        midnight(2026, 11, 16),
        midnight(2026, 11, 23),
    )


def test_a_week_across_two_months_reads_both():
    assert period_ending("weekly", date(2026, 12, 7)).label == "30 Nov - 6 Dec 2026"
    assert period_ending("weekly", date(2027, 1, 4)).label == "28 Dec 2026 - 3 Jan 2027"


@pytest.mark.parametrize("end", [date(2026, 12, 1), date(2026, 12, 31)])
def test_a_monthly_report_covers_the_last_whole_calendar_month(end):
    period = period_ending("monthly", end)
    assert (period.start, period.end) == (midnight(2026, 11, 1), midnight(2026, 12, 1))
    assert period.label == "November 2026"
    # The month before, whatever its length.
    assert (period.previous().start, period.previous().end) == (
        midnight(2026, 10, 1),
        midnight(2026, 11, 1),
    )


def test_the_month_before_january_is_december_of_the_year_before():
    period = period_ending("monthly", date(2027, 1, 1))
    assert (period.start, period.end) == (midnight(2026, 12, 1), midnight(2027, 1, 1))
    assert period.previous().start == midnight(2026, 11, 1)
    march = period_ending("monthly", date(2028, 3, 1))  # 2028 is a leap year
    assert (march.end - march.start).days == 29


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError, match="unknown report period"):
        period_ending("hourly", date(2026, 11, 25))
