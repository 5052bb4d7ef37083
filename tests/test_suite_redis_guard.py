"""The suite empties its Redis databases, so it refuses to start on one that holds other data."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def with_database(url: str, number: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}?{urlencode({**dict(parse_qsl(parts.query)), 'db': number})}"
    return urlunsplit(parts._replace(path=f"/{number}"))


def run_suite(broker: str, cache: str) -> subprocess.CompletedProcess:
    # One test that needs no database, so this run never meets the outer run's test database.
    env = {**os.environ, "REDIS_URL": broker, "CACHE_URL": cache}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_image_validation.py::test_empty_body_is_unsupported"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def spare_databases():
    """Two logical databases of the suite's Redis server beside its own (two and three after
    REDIS_URL's), used only when they are empty: this test must not wipe anyone's either."""
    own = redis.Redis.from_url(settings.REDIS_URL).connection_pool.connection_kwargs.get("db", 0)
    urls = [with_database(settings.REDIS_URL, (own + step) % 16) for step in (2, 3)]
    clients = [redis.Redis.from_url(url) for url in urls]
    if any(client.dbsize() for client in clients):
        pytest.skip(f"{urls} hold keys: this test needs two empty databases")
    yield urls, clients
    for client in clients:
        client.flushdb()
        client.close()


def test_a_database_holding_someone_elses_keys_is_refused_and_left_alone(spare_databases):
    (broker, cache), (broker_db, cache_db) = spare_databases
    cache_db.set("sessions:someone", "precious")
    refused = run_suite(broker, cache)
    assert refused.returncode == pytest.ExitCode.USAGE_ERROR, refused.stdout + refused.stderr
    assert "holds 1 keys the tests did not write" in refused.stderr
    assert cache_db.get("sessions:someone") == b"precious"

    cache_db.delete("sessions:someone")  # empty: the suite may take it
    passed = run_suite(broker, cache)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert broker_db.dbsize() == cache_db.dbsize() == 0  # left empty, and unmarked

    # What is written there afterwards (a development stack) is someone else's again.
    broker_db.set("celery:queue", "work")
    again = run_suite(broker, cache)
    assert again.returncode == pytest.ExitCode.USAGE_ERROR, again.stdout + again.stderr
    assert broker_db.get("celery:queue") == b"work"
