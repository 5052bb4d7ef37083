"""Registering, rotating, enabling and deleting webhook endpoints; the account's default
secret. Deliveries themselves are in jobs/webhooks/dispatch.py."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jobs.webhook_urls import validate_webhook_url
from jobs.webhooks.errors import EndpointNotFound, TooManyEndpoints
from jobs.webhooks.models import WebhookEndpoint, WebhookSecret
from jobs.webhooks.signing import generate_secret

MAX_ENDPOINTS_PER_ACCOUNT = 20


def create_endpoint(*, user, url: str) -> WebhookEndpoint:
    """Register a URL for every job of the account; its secret is returned this once."""
    validate_webhook_url(url)
    # A guard against runaway scripts, not an exact quota: no lock is worth it.
    if WebhookEndpoint.objects.filter(user=user).count() >= MAX_ENDPOINTS_PER_ACCOUNT:
        raise TooManyEndpoints(
            f"An account may register at most {MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints."
        )
    return WebhookEndpoint.objects.create(user=user, url=url, secret=generate_secret())


def delete_endpoint(*, user, endpoint_id) -> None:
    """Delete an endpoint with its deliveries; pending ones are not sent."""
    deleted, _ = WebhookEndpoint.objects.filter(user=user, pk=endpoint_id).delete()
    if not deleted:
        raise EndpointNotFound("No such webhook endpoint.")


def rotate_endpoint_secret(*, user, endpoint_id) -> WebhookEndpoint:
    """Give an endpoint a new secret, effective for every attempt from now on."""
    with transaction.atomic():
        endpoint = _locked_endpoint(user, endpoint_id)
        endpoint.secret = generate_secret()
        endpoint.secret_rotated_at = timezone.now()
        endpoint.save(update_fields=["secret", "secret_rotated_at"])
    return endpoint


def enable_endpoint(*, user, endpoint_id) -> WebhookEndpoint:
    """Turn a disabled endpoint back on (its URL is checked again); future jobs reach it."""
    with transaction.atomic():
        endpoint = _locked_endpoint(user, endpoint_id)
        validate_webhook_url(endpoint.url)
        endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    return endpoint


def disable_endpoint(*, endpoint_id, reason: str) -> None:
    """Stop sending to an endpoint (it answered 410 Gone, or staff said so)."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, disabled_at__isnull=True).update(
        disabled_at=timezone.now(), disabled_reason=reason[:200]
    )


def account_secret(*, user_id: int) -> WebhookSecret:
    """The account's default secret, which signs job-level webhook URLs; created on first
    need."""
    secret, _ = WebhookSecret.objects.get_or_create(
        user_id=user_id, defaults={"secret": generate_secret()}
    )
    return secret


def rotate_account_secret(*, user) -> WebhookSecret:
    """Replace the account's default secret, effective for every attempt from now on."""
    with transaction.atomic():
        secret = account_secret(user_id=user.pk)
        secret.secret = generate_secret()
        secret.rotated_at = timezone.now()
        secret.save(update_fields=["secret", "rotated_at"])
    return secret


def _locked_endpoint(user, endpoint_id) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(user=user, pk=endpoint_id).first()
    if endpoint is None:
        raise EndpointNotFound("No such webhook endpoint.")
    return endpoint
