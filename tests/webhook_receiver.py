"""A real HTTP (or HTTPS) receiver on 127.0.0.1 for the webhook tests: it records every request
and answers as the test scripts it (status codes, a hang), 200 once the script is used up."""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when the request arrived


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to wait before answering
    trickle: float = 0.0  # seconds between the bytes of the answer, sent one at a time


class WebhookReceiver:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self._answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/hooks", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def script(self, *answers: Answer | int) -> None:
        """Answer the next requests with these (a status code or an Answer), in order."""
        with self._lock:
            self._answers.extend(a if isinstance(a, Answer) else Answer(status=a) for a in answers)

    def wait_for(self, count: int, *, timeout: float = 60) -> list[Received]:
        """The first ``count`` requests, once they have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} webhook requests arrived")
            time.sleep(0.05)
        return self.received[:count]

    def close(self) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        with self._lock:
            self.received.append(
                Received(request.path, dict(request.headers.items()), body, time.time())
            )
            answer = self._answers.popleft() if self._answers else Answer()
        if answer.hang:
            self._closing.wait(answer.hang)
        if answer.trickle:
            self._trickle(request, answer)
            return
        try:
            request.send_response(answer.status)
            for name, value in answer.headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(answer.body)))
            request.end_headers()
            request.wfile.write(answer.body)
        except OSError:
            pass  # the sender gave up waiting (a timeout test)

    def _trickle(self, request: BaseHTTPRequestHandler, answer: Answer) -> None:
        head = f"HTTP/1.1 {answer.status} Whatever\r\nContent-Length: {len(answer.body)}\r\n\r\n"
        for byte in head.encode() + answer.body:
            if self._closing.wait(answer.trickle):
                return
            try:
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
            except OSError:
                return  # the sender hung up
