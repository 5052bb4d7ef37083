"""Account and API key operations. Each writes its event in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import emails
from accounts.clients import Client
from accounts.errors import AccountExists, KeyNotFound
from accounts.keys import generate_key
from accounts.models import ApiKey, User
from insights import events
from insights.services import record_event

# last_used_at is informative: one write a minute per key is enough, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def create_key(*, user: User, name: str, client: Client, event: str = events.USER_KEY_CREATED):
    """Create an API key; returns (ApiKey, raw key). The raw key is never stored."""
    new = generate_key()
    with transaction.atomic():
        key = ApiKey.objects.create(user=user, name=name, prefix=new.prefix, hashed_key=new.hashed)
        record_event(event, user_id=user.pk, key_prefix=key.prefix, **client.as_fields())
    return key, new.raw


def sign_up(*, email: str, client: Client) -> tuple[User, ApiKey]:
    """Create an account and email it its first key."""
    email = normalize_email(email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email)
            record_event(events.USER_SIGNED_UP, user_id=user.pk, **client.as_fields())
            key, raw = create_key(user=user, name="default", client=client)
            transaction.on_commit(lambda: emails.send_new_account_key(email=email, raw_key=raw))
    except IntegrityError as exc:
        raise AccountExists(
            "An account with this email exists; use /api/v1/accounts/recover to get a new key."
        ) from exc
    return user, key


def log_in(*, key: ApiKey, client: Client) -> None:
    """Record a login with a key (the key itself was checked by authentication)."""
    record_event(
        events.USER_LOGGED_IN, user_id=key.user_id, key_prefix=key.prefix, **client.as_fields()
    )


RECOVER_TASK = "workers.tasks.recover_key"


def request_key_recovery(*, email: str, client: Client) -> None:
    """Queue a key recovery for the address (``recover_key``, in a worker).

    The request does the same for every address, so neither its answer, its status nor its
    time tells whether the address has an account; the e-mail provider's round trip and its
    errors stay in the worker. The task carries the address, never a key.
    """
    current_app.send_task(
        RECOVER_TASK,
        args=[normalize_email(email)],
        kwargs={"client_ip": client.ip, "user_agent": client.user_agent},
    )


def recover_key(*, email: str, client: Client) -> bool:
    """Email a fresh key to an existing, active account; False (nothing done) for any other
    address. The e-mail is sent before the key commits: if the provider refuses it, the key
    and its event are rolled back and the error raised, so no key exists that nobody got."""
    user = User.objects.filter(
        email=normalize_email(email), is_active=True, deletion_requested_at__isnull=True
    ).first()
    if user is None:
        return False
    with transaction.atomic():
        _, raw = create_key(
            user=user, name="recovered", client=client, event=events.USER_KEY_RECOVERED
        )
        emails.send_recovered_key(email=user.email, raw_key=raw)
    return True


def revoke_key(*, user: User, prefix: str, client: Client) -> ApiKey:
    """Invalidate one of the user's keys; it is refused from the next request on."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(user=user, prefix=prefix).first()
        if key is None:
            raise KeyNotFound("No such key.")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            record_event(
                events.USER_KEY_REVOKED,
                user_id=user.pk,
                key_prefix=key.prefix,
                **client.as_fields(),
            )
    return key


def revoke_keys(*, keys, client: Client) -> int:
    """Revoke several keys (the admin action); returns how many were active."""
    count = 0
    for key in keys:
        if key.is_active:
            revoke_key(user=key.user, prefix=key.prefix, client=client)
            count += 1
    return count


def touch_key(key: ApiKey) -> None:
    """Note that a key was used, at most once a minute."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def request_account_deletion(*, user: User, client: Client) -> None:
    """Kill every key and the account at once, then purge its data in the background."""
    now = timezone.now()
    with transaction.atomic():
        ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        User.objects.filter(pk=user.pk).update(is_active=False, deletion_requested_at=now)
        user_id = user.pk
        transaction.on_commit(
            lambda: current_app.send_task("workers.tasks.purge_account", args=[user_id])
        )
    user.is_active = False
    user.deletion_requested_at = now


def erase_user(*, user_id: int) -> None:
    """Delete the user row (its keys go with it) and log the deletion without personal data."""
    with transaction.atomic():
        deleted, _ = User.objects.filter(pk=user_id).delete()
        if deleted:
            record_event(events.USER_ACCOUNT_DELETED, user_id=user_id)
