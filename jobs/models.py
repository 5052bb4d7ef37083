"""A Job is one image submitted for detection; the database is the source of truth."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


TERMINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    api_key_prefix = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Since when the object store has failed to give this job's image back (None: it has not,
    # or it has since): the job waits JOB_STORE_WAIT from then, without spending attempts.
    store_unavailable_since = models.DateTimeField(null=True, blank=True)

    # The input, as stored in the object store.
    object_key = models.CharField(max_length=512)
    content_type = models.CharField(max_length=64)
    image_format = models.CharField(max_length=16)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    image_metadata = models.JSONField(default=dict, blank=True)

    # Options.
    min_confidence = models.FloatField(null=True, blank=True)
    min_face_size = models.PositiveIntegerField(null=True, blank=True)
    webhook_url = models.URLField(max_length=2048, blank=True)
    # NULL, not "": many jobs have no key, and the unique constraint must ignore them.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, blank=True)

    # The output.
    faces = models.JSONField(null=True, blank=True)
    face_count = models.PositiveIntegerField(null=True, blank=True)
    model_name = models.CharField(max_length=32, blank=True)
    model_version = models.CharField(max_length=32, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    queue_ms = models.PositiveIntegerField(null=True, blank=True)
    inference_ms = models.PositiveIntegerField(null=True, blank=True)
    total_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_created_idx"),
            models.Index(fields=["user", "status", "-created_at"], name="job_user_status_idx"),
            models.Index(fields=["status", "updated_at"], name="job_status_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="job_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class Feedback(models.Model):
    """What the job's owner says about its prediction. Every submission is kept: the current
    one has ``superseded_at`` NULL, the earlier ones are its history."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="feedback_history")
    correct = models.BooleanField()
    # Indexes into the job's faces that are not faces.
    false_positives = models.JSONField(default=list, blank=True)
    # Boxes {x, y, width, height} of faces the model did not return.
    missed_faces = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["job"],
                condition=models.Q(superseded_at__isnull=True),
                name="feedback_one_current_per_job",
            )
        ]

    def __str__(self) -> str:
        return f"{'correct' if self.correct else 'incorrect'} on {self.job_id}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class ExportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # The archive was deleted because it held images of an account deleted since.
    WITHDRAWN = "withdrawn"


class DatasetExport(models.Model):
    """A training dataset export started from the staff API, run by a worker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    format = models.CharField(max_length=16)
    selection = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The outcome: where the archive is in the object store, and what it holds.
    output_key = models.CharField(max_length=512, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    # Whose images the archive holds (user ids); never shown, used to withdraw it.
    account_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"


# Webhook models live beside their services in jobs/webhooks/; Django finds them through here.
from jobs.webhooks.models import (  # noqa: E402, F401
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
