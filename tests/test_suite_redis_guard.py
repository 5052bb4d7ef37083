"""The suite empties its Redis databases, so it refuses to start on one that holds other data."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

from tests.conftest import SUITE_MARK

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
    """Two logical databases of the suite's Redis server that no other run uses."""
    urls = [with_database(settings.REDIS_URL, number) for number in (14, 15)]
    clients = [redis.Redis.from_url(url) for url in urls]
    for client in clients:
        client.flushdb()
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

    cache_db.delete("sessions:someone")  # empty: the suite may take it, and marks it
    passed = run_suite(broker, cache)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert broker_db.exists(SUITE_MARK) and cache_db.exists(SUITE_MARK)

    assert run_suite(broker, cache).returncode == 0  # its own leftovers do not stop it
