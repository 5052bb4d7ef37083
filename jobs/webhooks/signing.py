"""Standard Webhooks signatures: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` under a
``whsec_`` + base64 secret (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32


def generate_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(*, secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    message = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secret: str, webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of an attempt sent at ``timestamp`` (Unix seconds)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            secret=secret, webhook_id=webhook_id, timestamp=timestamp, body=body
        ),
    }
