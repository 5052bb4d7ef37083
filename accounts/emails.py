"""Emails sent to account holders. They carry a key; it is never logged."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail


def _send(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


def send_new_account_key(*, email: str, raw_key: str) -> None:
    """The welcome email with the first API key."""
    _send(
        to=email,
        subject="Your facedetect API key",
        body=(
            "Welcome to facedetect.\n\n"
            f"Your API key: {raw_key}\n\n"
            "It is shown only in this email; we keep a hash of it, not the key. Use it as\n"
            f"  Authorization: Api-Key {raw_key}\n"
            f"API docs: {settings.PUBLIC_BASE_URL}/api/v1/docs/\n"
        ),
    )


def send_recovered_key(*, email: str, raw_key: str) -> None:
    """A new key, sent after a recovery request."""
    _send(
        to=email,
        subject="A new facedetect API key",
        body=(
            "Someone (hopefully you) asked for a new API key for this address.\n\n"
            f"Your new API key: {raw_key}\n\n"
            "Your other keys still work; revoke any you no longer trust with\n"
            "DELETE /api/v1/keys/{prefix}.\n"
        ),
    )
