"""A record of each report sent (or tried): it makes a scheduled report go out once per
period, whoever fires it, and shows in the admin who got what."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReportKind(models.TextChoices):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class ReportStatus(models.TextChoices):
    PENDING = "pending"  # a sender holds it (since claimed_at)
    SENT = "sent"
    FAILED = "failed"  # the next try may take it over
    SKIPPED = "skipped"  # nobody to send it to; a later try may take it over


class ReportRun(models.Model):
    """One report for one period. A scheduled run is unique per (kind, period_start); a run
    sent with ``sendreport --to`` is not scheduled and never blocks nor counts as the period's
    report."""

    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    scheduled = models.BooleanField(
        default=True, help_text="Scheduled (once per period), or sent on demand to given addresses."
    )
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    recipients = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-period_start", "kind", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start"],
                condition=Q(scheduled=True),
                name="report_run_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} report from {self.period_start:%Y-%m-%d} ({self.status})"
