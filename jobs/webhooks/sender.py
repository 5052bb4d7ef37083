"""One HTTP POST of a webhook, to an address checked just before, never following redirects.

The host is resolved and every address checked (jobs.webhook_urls); then the connection goes
to the checked IP itself, with the URL's host in the ``Host`` header, SNI and the certificate
check. Nothing resolves the name a second time, so a rebinding DNS answer cannot redirect it.

urllib3's timeouts bound each connect and each read, not the answer: a receiver sending one
byte every few seconds would hold the attempt, and a worker thread, for as long as it liked.
So an attempt also has a deadline (``attempt_budget``): when it passes, its sockets are shut
down and the attempt ends as timed out.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
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


def attempt_budget(*, connect_timeout: float, read_timeout: float) -> float:
    """The longest one attempt can take, in seconds: a connect to each address tried, then
    the whole answer."""
    return connect_timeout * _MAX_ADDRESSES_TRIED + read_timeout


class _Deadline:
    """Shuts down the sockets it watches once ``seconds`` have passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # Wakes a read blocked in another thread (it sees the connection end); close() would not.
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A urllib3 connection that hands each new TCP socket to the attempt's deadline, before
    any TLS handshake (a handshake can be trickled too)."""

    def __init__(self, *args, deadline: _Deadline, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._deadline.watch(sock)
        return sock


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def post_webhook(
    *,
    url: str,
    body: bytes,
    headers: dict[str, str],
    connect_timeout: float,
    read_timeout: float,
) -> SendResult:
    """POST the body to the URL if its host is allowed; never raises for network trouble.
    Takes at most ``attempt_budget`` seconds once the host is resolved."""
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
    deadline = _Deadline(attempt_budget(connect_timeout=connect_timeout, read_timeout=read_timeout))
    error = ""
    try:
        for address in target.addresses[:_MAX_ADDRESSES_TRIED]:
            try:
                return _post_to(target, address, body, headers, timeout, started, deadline)
            except ConnectTimeoutError as exc:  # no connection: the next address may answer
                error = _describe(exc)
            except (HTTPError, OSError) as exc:
                if deadline.expired:
                    error = f"timed out: no whole answer within {deadline.seconds:g} s"
                else:
                    error = _describe(exc)
                return SendResult(None, _ms_since(started), error=error)
        return SendResult(None, _ms_since(started), error=error)
    finally:
        deadline.cancel()


def _post_to(
    target: WebhookTarget,
    address: str,
    body: bytes,
    headers: dict[str, str],
    timeout: urllib3.Timeout,
    started: float,
    deadline: _Deadline,
) -> SendResult:
    pool = _pool(target, address, timeout, deadline)
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


def _pool(target: WebhookTarget, address: str, timeout: urllib3.Timeout, deadline: _Deadline):
    if target.scheme == "https":
        return _HTTPSPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.hostname,
            assert_hostname=target.hostname,
            deadline=deadline,
        )
    return _HTTPPool(
        address, target.port, timeout=timeout, maxsize=1, retries=False, deadline=deadline
    )


def _describe(exc: BaseException) -> str:
    # urllib3 messages name the pool (our IP), never headers or the body: safe to store.
    reason = getattr(exc, "reason", None) or exc
    return f"{type(exc).__name__}: {reason}"[:300]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
