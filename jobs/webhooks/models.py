"""Webhook endpoints, the account's default signing secret, deliveries and their attempts.

Secrets are stored as they are (they sign every attempt, so they must be readable) and are
never logged, put in events or shown in the admin.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class WebhookSecret(models.Model):
    """The account's default secret: it signs deliveries to job-level ``webhook_url``s."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_secret"
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"default webhook secret of {self.user_id}"


class WebhookEndpoint(models.Model):
    """A URL registered by an account: it receives job.succeeded and job.failed of all its
    jobs, signed with its own secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2048)
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="webhook_endpoint_user_idx")]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookDelivery(models.Model):
    """One event of one job for one target (a registered endpoint or the job's own URL).

    The body is frozen at creation, as text (jsonb would reorder its keys), so that every
    attempt sends the same bytes under the same ``webhook-id``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="deliveries")
    # NULL for the job's own webhook_url, signed with the account's default secret.
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    url = models.URLField(max_length=2048)
    target_host = models.CharField(max_length=255)
    event_type = models.CharField(max_length=32)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempt_count = models.PositiveIntegerField(default=0)
    # Attempts made before the current round: a redelivery starts the retry schedule again.
    round_offset = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a message was last sent to the queue for it (the scan leaves it alone a while).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the delivery until then while it makes an attempt.
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["target_host", "locked_until"], name="webhook_delivery_host_idx"),
            models.Index(fields=["user", "-created_at"], name="webhook_delivery_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "endpoint"],
                condition=models.Q(endpoint__isnull=False),
                name="webhook_delivery_job_endpoint_unique",
            ),
            models.UniqueConstraint(
                fields=["job"],
                condition=models.Q(endpoint__isnull=True),
                name="webhook_delivery_job_url_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_type} -> {self.url} ({self.status})"

    @property
    def webhook_id(self) -> str:
        """The ``webhook-id`` header: the same on every attempt of this delivery."""
        return f"msg_{self.id.hex}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery and what came of it."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    # What was decided: succeeded, retry, failed.
    outcome = models.CharField(max_length=16)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
