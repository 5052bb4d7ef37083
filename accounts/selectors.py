"""Reads of accounts and keys."""

from __future__ import annotations

from functools import cache

from django.db import router

from accounts.keys import key_matches, parse_prefix
from accounts.models import ApiKey, User
from facedetect.rowreads import ModelRow, fetch_one

_KEY = ModelRow(ApiKey, "k")
_USER = ModelRow(User, "u")


def find_active_key(raw: str) -> ApiKey | None:
    """The active key matching a presented raw key, with its active user, or None.

    Every authenticated request runs this, so its SQL is written once (facedetect/rowreads.py);
    it reads what ``ApiKey.objects.select_related("user").filter(prefix=prefix,
    revoked_at__isnull=True, user__is_active=True).first()`` would.
    """
    prefix = parse_prefix(raw)
    if prefix is None:
        return None
    using = router.db_for_read(ApiKey)
    row = fetch_one(using, _active_key_sql(using), [prefix, True])
    if row is None:
        return None
    key = _KEY.build(row[: len(_KEY)], using)
    if not key_matches(raw, key.hashed_key):
        return None
    key.user = _USER.build(row[len(_KEY) :], using)
    return key


@cache
def _active_key_sql(using: str) -> str:
    # Only identifiers from the models' options, quoted by the backend; values are parameters.
    return (
        f"SELECT {_KEY.columns(using)}, {_USER.columns(using)}"  # noqa: S608
        f" FROM {_KEY.source(using)} INNER JOIN {_USER.source(using)}"
        f" ON {_USER.column('id', using)} = {_KEY.column('user', using)}"
        f" WHERE {_KEY.column('prefix', using)} = %s"
        f" AND {_KEY.column('revoked_at', using)} IS NULL"
        f" AND {_USER.column('is_active', using)} = %s"
    )
