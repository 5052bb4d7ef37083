"""Query parameters of the report preview."""

from __future__ import annotations

from rest_framework import serializers

from insights.reports.periods import KINDS
from insights.serializers import within_calendar


class PreviewQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=KINDS, default="daily")
    period_end = serializers.DateField(
        required=False,
        validators=[within_calendar],
        help_text="ISO date (UTC); the period ends at 00:00 of that day. Default: today.",
    )
