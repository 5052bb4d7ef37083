"""Who sent a request, as recorded on user events (never the key)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Client:
    """The client address and user agent of a request."""

    ip: str | None = None
    user_agent: str = ""

    def as_fields(self) -> dict:
        return {"client_ip": self.ip, "user_agent": self.user_agent[:256]}


def client_ip(meta) -> str | None:
    """The client's address from a request's META.

    With ``TRUSTED_PROXIES`` = 0 (the default) it is the socket's peer, REMOTE_ADDR: an
    X-Forwarded-For header is the client's own words and is ignored, or anyone could pick a
    fresh identity for every request and walk past the per-address rate limits. With N
    proxies in front, each appending the address it received from, it is the N-th entry from
    the right of X-Forwarded-For; the entries left of it are again the client's own words.
    """
    remote = meta.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded.strip():
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    return hops[-min(trusted, len(hops))] or remote


def client_from_request(request) -> Client:
    """The Client of a Django or DRF request (address as ``client_ip``)."""
    meta = request.META
    return Client(ip=client_ip(meta), user_agent=meta.get("HTTP_USER_AGENT", ""))


SYSTEM = Client(ip=None, user_agent="facedetect")
