"""Checks on webhook target URLs, applied at submit (and again at delivery)."""

from __future__ import annotations

from urllib.parse import urlsplit

from jobs.errors import InvalidWebhookUrl


def validate_webhook_url(url: str) -> None:
    """Refuse a webhook URL that is not an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhookUrl("webhook_url must be an absolute http or https URL.")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("webhook_url must not carry credentials.")
