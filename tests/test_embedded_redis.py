"""The embedded Redis of `make run`: a live server's socket is never taken over."""

import tempfile
from pathlib import Path

import pytest
import redis

from facedetect import embedded_redis


@pytest.fixture
def socket_path():
    # A short directory: unix socket paths are limited to about 107 bytes.
    with tempfile.TemporaryDirectory(prefix="fd-") as directory:
        yield Path(directory) / "redis.sock"


def test_a_live_servers_socket_is_refused_and_left_working(socket_path):
    first = embedded_redis.start(socket_path)
    try:
        with pytest.raises(RuntimeError, match="already answers"):
            second = embedded_redis.start(socket_path)
            embedded_redis.stop(second)  # reached only if the refusal regressed: no leftover
        client = redis.Redis(unix_socket_path=str(socket_path))
        assert client.ping()  # the first stack keeps its broker
        client.close()
    finally:
        embedded_redis.stop(first)


def test_a_socket_left_by_a_dead_server_is_replaced(socket_path):
    socket_path.touch()  # as a killed server leaves it
    server = embedded_redis.start(socket_path)
    try:
        client = redis.Redis(unix_socket_path=str(socket_path))
        assert client.ping()
        client.close()
    finally:
        embedded_redis.stop(server)
