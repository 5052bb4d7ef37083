"""Query parameters of the insights API."""

from __future__ import annotations

from rest_framework import serializers

from insights.aggregations import INTERVALS


class SummaryQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False, help_text="ISO 8601, inclusive; default: 7 days before until."
    )
    until = serializers.DateTimeField(
        required=False, help_text="ISO 8601, exclusive; default: now."
    )
    interval = serializers.ChoiceField(choices=INTERVALS, default="day")
