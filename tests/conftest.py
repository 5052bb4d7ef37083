"""Shared fixtures: accounts and keys, API clients, test photos, and a real Celery worker
consuming from Redis (the embedded one under `make test`, REDIS_URL otherwise)."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connections
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.clients import Client

TESTDATA = Path(
    os.environ.get("TESTDATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "testdata")
)
FACES_DIR = TESTDATA / "faces"
# Faces MTCNN finds on the test photos at default settings (testdata/README.md).
EXPECTED_FACES = {
    "multiface.jpg": 6,
    "ivan.jpg": 2,
    "kate_siegel.jpg": 1,
    "paul_rudd.jpg": 1,
    "no-faces.jpg": 0,
}


# The suite empties its Redis databases (REDIS_URL's and the cache's, CACHE_URL). It does so
# only to a database that was empty or that a run still going (or killed) marked as its own,
# and leaves it empty and unmarked when it ends: a REDIS_URL exported for something else (a
# development stack, production) stops the run instead of being wiped, then or later.
SUITE_MARK = "facedetect:test-suite"
_claimed: list[str] = []  # the databases this run marked, to empty when it ends


def pytest_configure(config) -> None:
    for url in dict.fromkeys([settings.REDIS_URL, settings.CACHE_URL]):
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            keys, ours = client.dbsize(), client.exists(SUITE_MARK)
        except Exception as exc:
            raise pytest.UsageError(
                f"Redis is not reachable at {url} ({exc}). Run the suite with "
                "`make test` (it starts an embedded Redis) or set REDIS_URL."
            ) from exc
        if keys and not ours:
            client.close()
            raise pytest.UsageError(
                f"The Redis database at {url} holds {keys} keys the tests did not write, and "
                "the suite empties it. Point REDIS_URL at a database of its own (the cache "
                "takes the next one), or empty this one if it is yours to lose."
            )
        client.set(SUITE_MARK, "1")
        client.close()
        _claimed.append(url)


def pytest_unconfigure(config) -> None:
    while _claimed:
        client = redis.Redis.from_url(_claimed.pop(), socket_connect_timeout=2)
        with contextlib.suppress(redis.RedisError):
            client.flushdb()  # the suite's keys and its mark
        client.close()


def empty_redis(client: redis.Redis) -> None:
    """Empty one of the suite's Redis databases, keeping the mark that makes it the suite's."""
    with client.pipeline(transaction=True) as pipe:
        pipe.flushdb().set(SUITE_MARK, "1").execute()


@functools.cache
def _cache_redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


@pytest.fixture(autouse=True)
def _isolated_environment(settings, tmp_path):
    """Each test gets its own object store folder and empty rate-limit counters."""
    settings.OBJECT_STORE_DIR = tmp_path / "objects"
    # The embedded defaults, whatever the shell exports: the S3 and Elasticsearch tests opt in.
    settings.S3_BUCKET = ""
    settings.ELASTICSEARCH_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    empty_redis(_cache_redis(settings.CACHE_URL))


@pytest.fixture
def photo() -> Callable[[str], bytes]:
    """Bytes of a test photo by file name."""

    def read(name: str) -> bytes:
        return (FACES_DIR / name).read_bytes()

    return read


@pytest.fixture
def make_account(db) -> Callable[..., tuple]:
    """Create an account with one key; returns (user, raw_key)."""
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, *, staff: bool = False):
        email = email or f"user{next(counter)}-{time.monotonic_ns()}@example.com"
        user, _ = account_services.sign_up(email=email, client=Client(ip="127.0.0.1"))
        if staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        _, raw = account_services.create_key(user=user, name="tests", client=Client())
        return user, raw

    return make


@pytest.fixture
def api_client() -> Callable[[str | None], APIClient]:
    """An APIClient sending the given key in the Authorization header."""

    def make(raw_key: str | None = None) -> APIClient:
        client = APIClient()
        if raw_key:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
        return client

    return make


@pytest.fixture
def staff_api_client(make_account, api_client) -> APIClient:
    """An APIClient with the key of a staff account."""
    _, raw = make_account(staff=True)
    return api_client(raw)


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server on 127.0.0.1: S3 and SES over real HTTP, as boto3 reaches AWS."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch) -> None:
    """Dummy credentials and region, for boto3 talking to moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def account(make_account, api_client):
    """A ready account: (user, raw_key, client)."""
    user, raw = make_account()
    return user, raw, api_client(raw)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker, in a thread of this process, consuming every queue from Redis."""
    from celery.contrib.testing.worker import start_worker

    from facedetect.celery import app

    queues = ["detect", "default", "webhooks", "events"]
    with django_db_blocker.unblock():
        with app.connection_for_write() as connection:
            for queue in queues:
                app.amqp.queues.select_add(queue)
            empty_redis(connection.default_channel.client)  # a stale message of an earlier run
        closed = threading.Event()

        @app.task(name="tests.close_worker_connections", shared=False)
        def close_worker_connections() -> None:
            # The worker keeps its connection between tasks (workers/db.py); close it in the
            # worker's own thread, or the test database cannot be dropped at the end.
            connections.close_all()
            closed.set()

        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, queues=queues,
            loglevel="WARNING", shutdown_timeout=30,
        ) as worker:  # fmt: skip
            yield worker
            close_worker_connections.apply_async(queue="default")
            closed.wait(30)


@pytest.fixture
def fresh_wait_slots():
    """Each test gets its own per-process limit of waiting requests: it is built once from
    the settings (``JOB_WAIT_MAX_WAITERS``), so a test that changes them needs a new one."""
    from jobs import waiting

    waiting._slots = None
    yield
    waiting._slots = None


@pytest.fixture
def webhook_receiver():
    """A real HTTP server on 127.0.0.1 that records webhook requests; its answers can be
    scripted (tests/webhook_receiver.py)."""
    from tests.webhook_receiver import WebhookReceiver

    with WebhookReceiver() as receiver:
        yield receiver


def post_image(
    client: APIClient, data: bytes, name: str = "photo.jpg", headers: dict | None = None, **fields
):
    """POST /api/v1/jobs with ``data`` as the multipart file ``image`` (named ``name``) and
    ``fields`` beside it; the response, whatever its status."""
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(
        "/api/v1/jobs", {"image": upload, **fields}, format="multipart", **(headers or {})
    )


def submit_image(client: APIClient, data: bytes, name: str = "photo.jpg", **fields) -> dict:
    """``post_image``, which must be accepted; the 202's JSON ({id, status, ...})."""
    response = post_image(client, data, name, **fields)
    assert response.status_code == 202, response.content
    return response.json()


def wait_for_job(client: APIClient, job_id: str, *, timeout: float = 120) -> dict:
    """Poll the API until the job is finished; returns its JSON."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 200, response.content
        body = response.json()
        if body["status"] in ("succeeded", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {body['status']} after {timeout} s")
        time.sleep(0.1)


def submit_and_wait(client: APIClient, data: bytes, name: str = "photo.jpg", **fields) -> dict:
    """``submit_image``, then ``wait_for_job``: the finished job's JSON."""
    return wait_for_job(client, submit_image(client, data, name, **fields)["id"])


def wait_until(predicate: Callable[[], bool], *, timeout: float = 60, message: str = "") -> None:
    """Poll a condition that the worker makes true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message or "condition not met in time")
        time.sleep(0.1)
