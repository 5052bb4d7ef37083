"""The life of a webhook delivery: created with the job's outcome (in its transaction), sent by
a worker once committed, retried on the Standard Webhooks schedule, closed.

Retries wait in the database (``next_attempt_at``), not in broker countdowns: Redis redelivers
a message unacknowledged for an hour, and the schedule waits up to ten. A beat task sends due
deliveries to the queue. Execution is at least once: a worker claims a due delivery with a
conditional update (a short lock), so two workers never make the same attempt.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from jobs.models import Job, JobStatus
from jobs.queueing import enqueue_task
from jobs.serializers import JobSerializer
from jobs.webhooks import services
from jobs.webhooks.errors import DeliveryInProgress, DeliveryNotFound, EndpointDisabled
from jobs.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from jobs.webhooks.sender import SendResult, attempt_budget, post_webhook
from jobs.webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

DELIVER_TASK = "workers.webhooks.deliver_webhook"
EVENT_SUCCEEDED = "job.succeeded"
EVENT_FAILED = "job.failed"

LOCK = timedelta(seconds=120)  # at least; always a minute more than one attempt can take
ENQUEUE_GRACE = timedelta(seconds=60)  # a delivery sent to the queue this recently is not resent
SCAN_BATCH = 500
JITTER = 0.2  # each retry delay is scaled by a random factor in [0.8, 1.2]
BUSY_HOST_DELAY = (5.0, 15.0)  # seconds: when a host has its share of workers, try again later

SUCCEEDED, RETRY, FAILED, GONE = "succeeded", "retry", "failed", "gone"


def create_job_deliveries(*, job: Job) -> list[str]:
    """Deliveries of a finished job's event to its own URL and to each active endpoint of its
    account, in the caller's transaction; returns their IDs, to enqueue once committed."""
    endpoints = list(WebhookEndpoint.objects.filter(user_id=job.user_id, disabled_at__isnull=True))
    targets = [(None, job.webhook_url)] if job.webhook_url else []
    targets += [(endpoint, endpoint.url) for endpoint in endpoints]
    if not targets:
        return []
    event_type = EVENT_SUCCEEDED if job.status == JobStatus.SUCCEEDED else EVENT_FAILED
    body = render_body(job=job, event_type=event_type)
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            user_id=job.user_id,
            job=job,
            endpoint=endpoint,
            url=url,
            target_host=(urlsplit(url).hostname or "")[:255],
            event_type=event_type,
            body=body,
            next_attempt_at=now,
            enqueued_at=now,
        )
        for endpoint, url in targets
    ]
    # A job ends once; should it be ended again, its deliveries already exist.
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return [str(delivery.pk) for delivery in deliveries]


def render_body(*, job: Job, event_type: str) -> str:
    """The payload: event type, timestamp, and the job as GET /api/v1/jobs/{id} shows it."""
    data = JobSerializer(job).data
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    data["links"] = {
        name: base + link if link.startswith("/") else link for name, link in data["links"].items()
    }
    timestamp = serializers.DateTimeField().to_representation(job.finished_at or timezone.now())
    payload = {"type": event_type, "timestamp": timestamp, "data": data}
    return JSONRenderer().render(payload).decode()


def enqueue_deliveries(delivery_ids: list[str]) -> None:
    """Send deliveries to the webhooks queue. A broker outage is logged, not raised: the scan
    sends them again."""
    for delivery_id in delivery_ids:
        enqueue_task(DELIVER_TASK, args=[delivery_id])


def enqueue_due_deliveries(*, now: datetime | None = None) -> int:
    """Send every due delivery (a retry whose time came, or a lost message) to the queue."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - ENQUEUE_GRACE))
        .order_by("next_attempt_at")
    )
    delivery_ids = [str(pk) for pk in due.values_list("pk", flat=True)[:SCAN_BATCH]]
    if delivery_ids:
        WebhookDelivery.objects.filter(pk__in=delivery_ids).update(enqueued_at=now)
        enqueue_deliveries(delivery_ids)
    return len(delivery_ids)


def deliver(*, delivery_id: str) -> WebhookAttempt | None:
    """Make the next attempt of a due delivery, unless another worker holds it; returns the
    attempt recorded, or None when there was nothing to do."""
    now = timezone.now()
    delivery = _claim(delivery_id, now=now)
    if delivery is None:
        return None
    unsendable = _why_not_sendable(delivery)
    if unsendable:
        result = SendResult(None, 0, error=f"not sent: {unsendable}")
        return _record(delivery, result, outcome=FAILED, at=now)
    if delivery.endpoint is not None:
        secret = delivery.endpoint.secret
    else:
        secret = services.account_secret(user_id=delivery.user_id).secret
    headers = signed_headers(
        secret=secret,
        webhook_id=delivery.webhook_id,
        timestamp=int(now.timestamp()),
        body=delivery.body,
    )
    result = post_webhook(
        url=delivery.url,
        body=delivery.body.encode(),
        headers=headers,
        connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
        read_timeout=settings.WEBHOOK_READ_TIMEOUT,
    )
    return _record(delivery, result, outcome=outcome_of(result), at=now)


def _why_not_sendable(delivery: WebhookDelivery) -> str:
    if not delivery.user.is_active:
        return "the account is inactive or being deleted"
    if delivery.endpoint is not None and not delivery.endpoint.is_active:
        return f"endpoint disabled ({delivery.endpoint.disabled_reason})"
    return ""


def outcome_of(result: SendResult) -> str:
    """2xx ends it; network errors, 5xx and 429 are retried; 410 disables the endpoint; a
    refused address, a redirect and other 4xx fail it."""
    code = result.status_code
    if result.refused:
        return FAILED
    if code is None or code == 429 or code >= 500:
        return RETRY
    if 200 <= code < 300:
        return SUCCEEDED
    if code == 410:
        return GONE
    return FAILED


def redeliver(*, user, delivery_id) -> WebhookDelivery:
    """Send a delivery again at once, with the same webhook-id and body. A finished one starts
    a new round of the retry schedule; a pending one is only brought forward."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update().filter(user=user, pk=delivery_id).first()
        )
        if delivery is None:
            raise DeliveryNotFound("No such webhook delivery.")
        if (
            delivery.endpoint_id is not None
            and not WebhookEndpoint.objects.filter(
                pk=delivery.endpoint_id, disabled_at__isnull=True
            ).exists()
        ):
            raise EndpointDisabled("The endpoint is disabled; enable it first.")
        if delivery.locked_until is not None and delivery.locked_until > now:
            raise DeliveryInProgress("An attempt of this delivery is under way.")
        if delivery.status != DeliveryStatus.PENDING:
            delivery.round_offset = delivery.attempt_count
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = delivery.enqueued_at = now
        delivery.finished_at = None
        delivery.save(
            update_fields=[
                "status",
                "round_offset",
                "next_attempt_at",
                "enqueued_at",
                "finished_at",
            ]
        )
        delivery_ids = [str(delivery.pk)]
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return delivery


def _claim(delivery_id: str, *, now: datetime) -> WebhookDelivery | None:
    due = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
    in_flight = (
        WebhookDelivery.objects.filter(
            target_host=OuterRef("target_host"),
            status=DeliveryStatus.PENDING,
            locked_until__gt=now,
        )
        .order_by()
        .values("target_host")
        .annotate(count=Count("pk"))
        .values("count")
    )
    delivery = (
        due.select_related("endpoint", "user")
        .annotate(host_in_flight=Coalesce(Subquery(in_flight), 0))
        .first()
    )
    if delivery is None:
        return None  # done, not yet due, held by another worker, or deleted
    if delivery.host_in_flight >= settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST:
        # A slow host keeps only its share of the workers; this one waits, without an attempt.
        later = now + timedelta(seconds=random.uniform(*BUSY_HOST_DELAY))
        due.update(next_attempt_at=later, enqueued_at=None)
        return None
    claimed = due.update(
        locked_until=now + _claim_length(),
        attempt_count=F("attempt_count") + 1,
        last_attempt_at=now,
    )
    return delivery if claimed else None


def _claim_length() -> timedelta:
    """How long a claimed delivery stays locked: past any attempt's end (sender.py's deadline),
    so that no other worker sends it again while one still may."""
    budget = attempt_budget(
        connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
        read_timeout=settings.WEBHOOK_READ_TIMEOUT,
    )
    return max(LOCK, timedelta(seconds=budget + 60))


def _record(
    delivery: WebhookDelivery, result: SendResult, *, outcome: str, at: datetime
) -> WebhookAttempt | None:
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if locked is None:
            return None  # its job or endpoint was deleted meanwhile
        delay = _retry_delay(locked) if outcome == RETRY else None
        if outcome == RETRY and delay is None:
            outcome = FAILED  # the schedule is spent
        attempt = WebhookAttempt.objects.create(
            delivery=locked,
            number=locked.attempt_count,
            at=at,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            response_excerpt=result.excerpt,
            error=result.error[:300],
            outcome=FAILED if outcome == GONE else outcome,
        )
        if outcome == RETRY:
            locked.next_attempt_at = now + delay
        else:
            locked.status = (
                DeliveryStatus.SUCCEEDED if outcome == SUCCEEDED else DeliveryStatus.FAILED
            )
            locked.next_attempt_at = None
            locked.finished_at = now
        if outcome == GONE and locked.endpoint_id is not None:
            services.disable_endpoint(
                endpoint_id=locked.endpoint_id,
                reason=f"answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC",
            )
        locked.locked_until = locked.enqueued_at = None
        locked.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "finished_at",
                "locked_until",
                "enqueued_at",
            ]
        )
    logger.info(
        "webhook %s attempt %d to %s: %s",
        locked.webhook_id,
        attempt.number,
        locked.target_host,
        result.status_code or result.error,
    )
    return attempt


def _retry_delay(delivery: WebhookDelivery) -> timedelta | None:
    made = max(1, delivery.attempt_count - delivery.round_offset)  # in this round, this one too
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if made > len(schedule):
        return None
    return timedelta(seconds=schedule[made - 1] * random.uniform(1 - JITTER, 1 + JITTER))
