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

    class Meta:
        indexes = [
            models.Index(fields=["shipped_at", "at"], name="outbox_pending_idx"),
            models.Index(fields=["user_id"], name="outbox_user_idx"),
            models.Index(fields=["type", "at"], name="outbox_type_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.at:%Y-%m-%d %H:%M:%S}"
