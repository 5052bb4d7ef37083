"""A minimal client of the facedetect API for the HTTP benchmarks: standard library only, one
keep-alive connection per thread, loopback targets only."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}


@dataclass(frozen=True)
class Response:
    status: int
    body: dict
    seconds: float  # from the first byte sent to the whole body read
    retry_after: float | None = None


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every HTTP benchmark takes: where the service is, the key, how many clients."""
    parser.add_argument(
        "--url",
        help="service URL, loopback only (default: FACEDETECT_URL or http://127.0.0.1:8000)",
    )
    parser.add_argument("--api-key", help="API key (default: FACEDETECT_API_KEY)")
    parser.add_argument(
        "--concurrency", type=int, default=32, help="clients (default: %(default)s)"
    )


def service_settings(url: str | None, api_key: str | None) -> tuple[str, int, str]:
    """(host, port, key) from the arguments or FACEDETECT_URL / FACEDETECT_API_KEY; refuses
    anything but a loopback address, so that a benchmark never loads someone else's service."""
    url = url or os.environ.get("FACEDETECT_URL", "http://127.0.0.1:8000")
    key = api_key or os.environ.get("FACEDETECT_API_KEY")
    if not key:
        raise SystemExit(
            "An API key is needed: --api-key or FACEDETECT_API_KEY (make run prints one)."
        )
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        raise SystemExit(f"Refusing {url}: the benchmarks only target http://127.0.0.1.")
    return "127.0.0.1", parts.port or 80, key


def parse_time(text: str | None) -> float | None:
    """An ISO 8601 timestamp from the API as seconds since the epoch."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class ServiceClient:
    """One connection to the service; use one per thread."""

    def __init__(self, host: str, port: int, api_key: str, *, timeout: float = 30) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        self._headers = {"Authorization": f"Api-Key {api_key}"}
        self._conn: http.client.HTTPConnection | None = None

    def _request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        for attempt in (1, 2):  # a kept-alive connection the server closed is retried once
            if self._conn is None:
                self._conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self._timeout
                )
            start = time.perf_counter()
            try:
                self._conn.request(
                    method, path, body=body, headers={**self._headers, **(headers or {})}
                )
                reply = self._conn.getresponse()
                data = reply.read()
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - start
            retry_after = reply.getheader("Retry-After")
            try:
                payload = json.loads(data) if data else {}
            except ValueError:
                payload = {"raw": data[:200].decode("latin-1")}
            return Response(
                reply.status, payload, seconds, float(retry_after) if retry_after else None
            )
        raise AssertionError("unreachable")

    def submit(
        self, image: bytes, *, filename: str = "photo.jpg", prefer: str | None = None
    ) -> Response:
        """POST /api/v1/jobs with the image as the multipart field ``image``; ``prefer`` is
        sent as the ``Prefer`` header (``wait=N``: the answer is the finished job, 201)."""
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + image
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if prefer:
            headers["Prefer"] = prefer
        return self._request("POST", "/api/v1/jobs", body, headers)

    def job(self, job_id: str, *, wait: float = 0) -> Response:
        """GET /api/v1/jobs/{id}, holding up to ``wait`` seconds for the job to finish."""
        query = f"?wait={wait:g}" if wait else ""
        return self._request("GET", f"/api/v1/jobs/{job_id}{query}")

    def delete(self, job_id: str) -> Response:
        """DELETE /api/v1/jobs/{id}."""
        return self._request("DELETE", f"/api/v1/jobs/{job_id}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def run_threads(target, clients: list[ServiceClient], *args) -> float:
    """Run ``target(client, *args)`` on one thread per client; the seconds it took."""
    threads = [threading.Thread(target=target, args=(client, *args)) for client in clients]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start
