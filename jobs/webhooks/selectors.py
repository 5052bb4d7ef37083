"""Reads of webhook endpoints and deliveries, always scoped to their owner: another tenant's
endpoint or delivery does not exist."""

from __future__ import annotations

from django.db.models import QuerySet

from jobs import selectors as job_selectors
from jobs.webhooks.errors import DeliveryNotFound, EndpointNotFound
from jobs.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints_of(user) -> QuerySet[WebhookEndpoint]:
    """The account's endpoints, newest first."""
    return WebhookEndpoint.objects.filter(user=user).order_by("-created_at", "-id")


def get_endpoint(user, endpoint_id) -> WebhookEndpoint:
    """One of the account's endpoints, or EndpointNotFound."""
    endpoint = WebhookEndpoint.objects.filter(user=user, pk=endpoint_id).first()
    if endpoint is None:
        raise EndpointNotFound("No such webhook endpoint.")
    return endpoint


def deliveries_of_job(user, job_id) -> QuerySet[WebhookDelivery]:
    """The deliveries of one of the user's jobs (JobNotFound for another's), with attempts."""
    job = job_selectors.get_job(user, job_id)
    return _with_attempts(WebhookDelivery.objects.filter(user=user, job=job))


def deliveries_of_endpoint(user, endpoint_id) -> QuerySet[WebhookDelivery]:
    """The deliveries to one of the account's endpoints, with attempts."""
    endpoint = get_endpoint(user, endpoint_id)
    return _with_attempts(WebhookDelivery.objects.filter(user=user, endpoint=endpoint))


def get_delivery(user, delivery_id) -> WebhookDelivery:
    """One of the account's deliveries with its attempts, or DeliveryNotFound."""
    delivery = _with_attempts(WebhookDelivery.objects.filter(user=user, pk=delivery_id)).first()
    if delivery is None:
        raise DeliveryNotFound("No such webhook delivery.")
    return delivery


def _with_attempts(query: QuerySet[WebhookDelivery]) -> QuerySet[WebhookDelivery]:
    return query.prefetch_related("attempts").order_by("-created_at", "-id")
