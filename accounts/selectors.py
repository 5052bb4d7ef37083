"""Reads of accounts and keys."""

from __future__ import annotations

from accounts.keys import key_matches, parse_prefix
from accounts.models import ApiKey


def find_active_key(raw: str) -> ApiKey | None:
    """The active key matching a presented raw key, with its active user, or None."""
    prefix = parse_prefix(raw)
    if prefix is None:
        return None
    key = (
        ApiKey.objects.select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None or not key_matches(raw, key.hashed_key):
        return None
    return key
