"""Celery tasks. Each takes IDs, is idempotent, and delegates to a service."""

from __future__ import annotations

import logging
import random
import smtplib

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task
from django.conf import settings

from accounts import services as account_services
from accounts.clients import Client
from insights.services import purge_user_events
from jobs import processing, services
from jobs.datasets.services import run_export, withdraw_exports_of
from jobs.errors import StoreUnavailable
from jobs.storage import get_object_store
from workers.detector import get_detector

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def detect_faces(self, job_id: str) -> None:
    """Run detection for a job (and a batch of other queued ones when batching is on)."""
    # Redis marks a message it gives back after the worker process holding it died
    # (reject_on_worker_lost) or its connection was lost: that job may be taken over at once.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    retry_ids = processing.run_detection(
        job_id,
        detector=get_detector(),
        batch_size=settings.DETECT_BATCH_SIZE,
        redelivered=redelivered,
    )
    for retry_id in retry_ids:
        # Transient failure: back off a little, with jitter, before the next attempt.
        services.enqueue_detection(retry_id, countdown=random.randint(5, 30))


# What an e-mail backend raises when the provider cannot take a message now (SMTP, SES).
_EMAIL_ERRORS = (OSError, smtplib.SMTPException, BotoCoreError, ClientError)


@shared_task(
    acks_late=True, autoretry_for=_EMAIL_ERRORS, retry_backoff=30, max_retries=4, retry_jitter=True
)
def recover_key(email: str, client_ip: str | None = None, user_agent: str = "") -> bool:
    """E-mail a fresh key to the address's account, if it has one (POST /accounts/recover).
    A refused e-mail leaves no key behind (the service rolls it back), so a retry is safe."""
    client = Client(ip=client_ip, user_agent=user_agent)
    return account_services.recover_key(email=email, client=client)


@shared_task(
    acks_late=True,
    soft_time_limit=settings.DATASET_EXPORT_TIME_LIMIT,
    time_limit=settings.DATASET_EXPORT_TIME_LIMIT + 60,
)
def export_dataset(export_id: str) -> None:
    """Build a dataset export started from the staff API and store its archive."""
    run_export(export_id)


@shared_task(autoretry_for=(StoreUnavailable,), retry_backoff=60, max_retries=12)
def delete_stored_image(object_key: str) -> None:
    """Delete a deleted job's image that the store refused at the time (retried for hours)."""
    get_object_store().delete(object_key)


@shared_task
def sweep_stale_jobs() -> dict:
    """Re-enqueue jobs stuck in queued or running (beat, every minute)."""
    outcome = services.sweep_stale_jobs()
    if outcome["requeued"] or outcome["failed"]:
        logger.warning("stale jobs: %s", outcome)
    return outcome


@shared_task(acks_late=True)
def purge_account(user_id: int) -> None:
    """Delete a deleted account's jobs, stored images and events, then the account."""
    services.purge_user_jobs(user_id=user_id)
    withdraw_exports_of(user_id=user_id)
    purge_user_events(user_id=user_id)
    account_services.erase_user(user_id=user_id)


@shared_task
def purge_deleted_accounts() -> int:
    """Finish any account deletion whose purge task was lost (beat)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(minutes=5)
    pending = get_user_model().objects.filter(deletion_requested_at__lt=cutoff)
    count = 0
    for user_id in pending.values_list("pk", flat=True)[:100]:
        purge_account.delay(user_id)
        count += 1
    return count
