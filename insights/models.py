"""The outbox: events written in the same transaction as the change they describe."""

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event waiting to be shipped to the insights sink (or already shipped)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    # A plain integer, not a foreign key: events describe users, they do not belong to them,
    # and insights must not import the accounts app.
    user_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a failed shipment, the event waits until then (exponential backoff); NULL: now.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["shipped_at", "at"], name="outbox_pending_idx"),
            models.Index(fields=["user_id"], name="outbox_user_idx"),
            models.Index(fields=["type", "at"], name="outbox_type_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%Y-%m-%d %H:%M:%S}"


class InsightEvent(models.Model):
    """An event in the database sink (the embedded default): the outbox event, shipped.

    The primary key is the event's UUID, so a batch shipped twice inserts each event once.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    type = models.CharField(max_length=64)
    at = models.DateTimeField()
    user_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="insight_at_idx"),
            models.Index(fields=["type", "at"], name="insight_type_at_idx"),
            models.Index(fields=["user_id", "at"], name="insight_user_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%Y-%m-%d %H:%M:%S}"


# Report models live beside their services in insights/reports/; Django finds them through here.
from insights.reports.models import ReportKind, ReportRun, ReportStatus  # noqa: E402, F401
