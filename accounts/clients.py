"""Who sent a request, as recorded on user events (never the key)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Client:
    """The client address and user agent of a request."""

    ip: str | None = None
    user_agent: str = ""

    def as_fields(self) -> dict:
        return {"client_ip": self.ip, "user_agent": self.user_agent[:256]}


def client_from_request(request) -> Client:
    """The Client of a Django or DRF request. Behind a proxy, configure it to set REMOTE_ADDR
    (gunicorn's --forwarded-allow-ips) rather than trusting X-Forwarded-For here."""
    meta = request.META
    return Client(ip=meta.get("REMOTE_ADDR") or None, user_agent=meta.get("HTTP_USER_AGENT", ""))


SYSTEM = Client(ip=None, user_agent="facedetect")
