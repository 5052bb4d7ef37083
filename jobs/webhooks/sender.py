"""One HTTP POST of a webhook, to an address checked just before, never following redirects.

The host is resolved and every address checked (jobs.webhook_urls); then the connection goes
to the checked IP itself, with the URL's host in the ``Host`` header, SNI and the certificate
check. Nothing resolves the name a second time, so a rebinding DNS answer cannot redirect it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError

from jobs.errors import InvalidWebhookUrl, WebhookHostUnresolved
from jobs.webhook_urls import WebhookTarget, resolve_webhook_target

EXCERPT_CHARS = 500
_READ_BYTES = 2048  # of the response body: enough for the excerpt, never more
_MAX_ADDRESSES_TRIED = 3
USER_AGENT = "facedetect-webhooks/1.0"


@dataclass(frozen=True)
class SendResult:
    """What one attempt got: a status code, or an error (and whether the target was refused)."""

    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""
    refused: bool = False


def post_webhook(
    *,
    url: str,
    body: bytes,
    headers: dict[str, str],
    connect_timeout: float,
    read_timeout: float,
) -> SendResult:
    """POST the body to the URL if its host is allowed; never raises for network trouble."""
    started = time.monotonic()
    try:
        target = resolve_webhook_target(url)
    except WebhookHostUnresolved as exc:
        return SendResult(None, _ms_since(started), error=exc.message)
    except InvalidWebhookUrl as exc:
        return SendResult(None, _ms_since(started), error=f"refused: {exc.message}", refused=True)
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    headers = {
        **headers,
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Accept-Encoding": "identity",
    }
    error = ""
    for address in target.addresses[:_MAX_ADDRESSES_TRIED]:
        try:
            return _post_to(target, address, body, headers, timeout, started)
        except ConnectTimeoutError as exc:  # no connection: the next address may answer
            error = _describe(exc)
        except (HTTPError, OSError) as exc:
            return SendResult(None, _ms_since(started), error=_describe(exc))
    return SendResult(None, _ms_since(started), error=error)


def _post_to(
    target: WebhookTarget,
    address: str,
    body: bytes,
    headers: dict[str, str],
    timeout: urllib3.Timeout,
    started: float,
) -> SendResult:
    pool = _pool(target, address, timeout)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            retries=False,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
        )
        latency_ms = _ms_since(started)
        try:
            raw = response.read(_READ_BYTES, decode_content=False)
        except (HTTPError, OSError):
            raw = b""  # the status is what counts; a body that stalls is not waited for
        excerpt = raw.decode("utf-8", errors="replace").replace("\x00", "")[:EXCERPT_CHARS]
        return SendResult(response.status, latency_ms, excerpt=excerpt)
    finally:
        pool.close()


def _pool(target: WebhookTarget, address: str, timeout: urllib3.Timeout):
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.hostname,
            assert_hostname=target.hostname,
        )
    return urllib3.HTTPConnectionPool(
        address, target.port, timeout=timeout, maxsize=1, retries=False
    )


def _describe(exc: BaseException) -> str:
    # urllib3 messages name the pool (our IP), never headers or the body: safe to store.
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"[:300]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
