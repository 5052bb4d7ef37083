"""API key format, generation and hashing.

A key reads ``fd_<prefix>_<secret>``: the prefix (10 hex characters) is public and indexed,
the secret carries 256 bits of randomness. Such a key needs no slow hash: SHA-256 of the
whole key is stored, and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_SCHEME = "fd"


@dataclass(frozen=True)
class NewKey:
    raw: str
    prefix: str
    hashed: str


def generate_key() -> NewKey:
    """A fresh key, with its prefix and hash."""
    prefix = secrets.token_hex(5)
    raw = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(raw=raw, prefix=prefix, hashed=hash_key(raw))


def hash_key(raw: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def parse_prefix(raw: str) -> str | None:
    """The public prefix of a well-formed key, or None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != 10 or not parts[2]:
        return None
    return parts[1]


def key_matches(raw: str, hashed: str) -> bool:
    """Whether a presented key matches a stored hash, in constant time."""
    return hmac.compare_digest(hash_key(raw), hashed)
