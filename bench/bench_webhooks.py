"""Webhook latency: from a job's completion (its ``finished_at``) to the signed webhook's
arrival at a receiver on 127.0.0.1, over the real pipeline; median and p95.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/bench_webhooks.py --jobs 200

It creates a throwaway database beside DATABASE_URL's (PostgreSQL, or SQLite under var/ when
unset), starts the two Celery workers of `make run` against REDIS_URL (detection on prefork;
webhooks,events,default on a thread pool), registers an endpoint pointing at its own receiver
(WEBHOOK_ALLOW_PRIVATE_NETWORKS=true for this run only), submits the jobs through
jobs.services.submit_job, verifies every delivery with standardwebhooks, then removes the
workers, the database and the stored images. Workers and receiver share this machine's clock.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200, help="jobs to run (default: %(default)s)")
    parser.add_argument(
        "--detect-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="detection processes (default: %(default)s, the cores, as make run)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="seconds to wait for every webhook (default: %(default)s)",
    )
    return parser.parse_args()  # fmt: skip


class Receiver:
    """Records (arrival time, body, headers) of every POST and answers 200."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                receiver.arrivals.append((arrived, body, dict(self.headers.items())))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def database_url(name: str) -> str:
    """DATABASE_URL for the workers, naming the throwaway database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def start_workers(env: dict[str, str], detect_workers: int) -> list[subprocess.Popen]:
    """The two workers of `make run`: detection, and the light queues on a thread pool."""
    celery = [str(Path(sys.executable).with_name("celery")), "-A", "facedetect", "worker",
              "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]  # fmt: skip
    detect = ["-Q", "detect", "-n", f"bench-detect-{os.getpid()}@%h", "--pool", "prefork",
              "--concurrency", str(detect_workers)]  # fmt: skip
    light = ["-Q", "webhooks,events,default", "-n", f"bench-io-{os.getpid()}@%h",
             "--pool", "threads", "--concurrency", "8"]  # fmt: skip
    return [
        subprocess.Popen([*celery, *detect], env={**env, "WORKER_PRELOAD_MODEL": "true"}, cwd=ROOT),
        subprocess.Popen([*celery, *light], env=env, cwd=ROOT),
    ]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sample_image() -> bytes:
    """A small photo-like JPEG: detection is quick, so the run measures the webhooks."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=80)
    return out.getvalue()


def submit_jobs(count: int, webhook_receiver_url: str) -> str:
    """Create an account with an endpoint, submit the jobs; returns the endpoint's secret."""
    from accounts.clients import SYSTEM
    from accounts.services import sign_up
    from jobs.services import JobOptions, submit_job
    from jobs.webhooks.services import create_endpoint

    user, key = sign_up(email=f"bench-{os.getpid()}@example.com", client=SYSTEM)
    endpoint = create_endpoint(user=user, url=webhook_receiver_url)
    data = sample_image()
    for _ in range(count):
        submit_job(user=user, api_key_prefix=key.prefix, data=data, options=JobOptions(),
                   idempotency_key=None, client=SYSTEM)  # fmt: skip
    return endpoint.secret


def latencies_ms(arrivals, secret: str) -> dict[str, list[float]]:
    """For each verified delivery, in milliseconds: finished_at -> arrival ("total"), split
    into finished_at -> the worker's claim ("queue") and claim -> arrival ("send")."""
    from standardwebhooks import Webhook

    from jobs.webhooks.models import WebhookAttempt

    verifier = Webhook(secret)
    claimed = {
        f"msg_{delivery_id.hex}": at.timestamp()
        for delivery_id, at in WebhookAttempt.objects.filter(number=1).values_list(
            "delivery_id", "at"
        )
    }
    result: dict[str, list[float]] = {"total": [], "queue": [], "send": []}
    for arrived, body, headers in arrivals:
        payload = verifier.verify(body, headers)
        finished = datetime.fromisoformat(payload["data"]["finished_at"].replace("Z", "+00:00"))
        started = claimed[headers["webhook-id"]]
        result["total"].append((arrived - finished.timestamp()) * 1000)
        result["queue"].append((started - finished.timestamp()) * 1000)
        result["send"].append((arrived - started) * 1000)
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> int:
    args = parse_args()
    objects = tempfile.mkdtemp(prefix="bench-webhooks-")
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "facedetect.settings",
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "OBJECT_STORE_DIR": objects,
        "S3_BUCKET": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    })  # fmt: skip
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    original_name = db["NAME"]
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(settings.VAR_DIR / "bench_webhooks.sqlite3")
    else:
        db["TEST"]["NAME"] = f"bench_webhooks_{original_name}"
    print("creating a throwaway database...", flush=True)
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    env = {**os.environ, "DATABASE_URL": database_url(name), "PYTHONUNBUFFERED": "1"}
    receiver = Receiver()
    workers = start_workers(env, args.detect_workers)
    try:
        print(f"submitting {args.jobs} jobs...", flush=True)
        secret = submit_jobs(args.jobs, receiver.url)
        deadline = time.monotonic() + args.timeout
        while len(receiver.arrivals) < args.jobs:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                print(f"only {len(receiver.arrivals)} of {args.jobs} webhooks arrived")
                return 1
            time.sleep(0.2)
        from jobs.webhooks.models import WebhookAttempt

        while WebhookAttempt.objects.count() < args.jobs:  # recorded once the answer is read
            time.sleep(0.2)
        values = latencies_ms(receiver.arrivals, secret)
    finally:
        stop(workers)
        receiver.close()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(objects, ignore_errors=True)
    total = values["total"]
    print(
        f"job finished -> webhook arrived, over {len(total)} jobs (all verified): "
        f"median {statistics.median(total):.1f} ms, p95 {percentile(total, 0.95):.1f} ms, "
        f"min {min(total):.1f} ms, max {max(total):.1f} ms"
    )
    for part, meaning in (("queue", "finished -> worker claims it"), ("send", "claim -> arrival")):
        print(
            f"  {meaning}: median {statistics.median(values[part]):.1f} ms, "
            f"p95 {percentile(values[part], 0.95):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
