"""`make run`: the whole service on one machine, with the embedded defaults.

Migrates, starts an embedded Redis when REDIS_URL is unset, then gunicorn (web), a Celery
worker for detection, a Celery worker for the light queues (webhooks, events, default), and
Celery beat; prints where it listens and a ready API key; stops everything on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from facedetect import embedded_redis

ROOT = Path(__file__).resolve().parent.parent
DEMO_EMAIL = "admin@localhost"


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        _python(str(ROOT / "manage.py"), *args), env=env, cwd=ROOT, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip()


def _wait_for_http(url: str, processes: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a service exited during start-up; see the log above")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback URL)
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "facedetect.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = env.get("PORT", "8000")
    var_dir = Path(env.get("VAR_DIR", ROOT / "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1

    children: list[subprocess.Popen] = []
    redis_process = None
    try:
        if not env.get("REDIS_URL"):
            socket_path = var_dir / "redis.sock"
            if len(str(socket_path)) > 100:  # unix socket paths are limited to ~107 bytes
                socket_path = Path(tempfile.mkdtemp(prefix="fd-")) / "redis.sock"
            redis_process = embedded_redis.start(socket_path, log_path=var_dir / "redis.log")
            env["REDIS_URL"] = f"unix://{socket_path}"
            print(f"embedded Redis on {socket_path}")

        print("applying migrations...")
        _manage("migrate", "--noinput", env=env)
        _manage("collectstatic", "--noinput", env=env)
        key = _manage("createapikey", DEMO_EMAIL, "--staff", "--name", "make run", env=env)

        celery = [_bin("celery"), "-A", "facedetect"]
        children.append(subprocess.Popen(
            [_bin("gunicorn"), "facedetect.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", env.get("WEB_CONCURRENCY", "2"), "--threads", env.get("WEB_THREADS", "8"),
             "--worker-class", "gthread", "--timeout", "60", "--access-logfile", "-"],
            env=env, cwd=ROOT))  # fmt: skip
        children.append(subprocess.Popen(
            [*celery, "worker", "-Q", "detect", "-n", "detect@%h", "--loglevel", "INFO",
             "--concurrency", env.get("WORKER_CONCURRENCY", str(cores)), "--pool", "prefork"],
            env={**env, "WORKER_PRELOAD_MODEL": "true"}, cwd=ROOT))  # fmt: skip
        children.append(subprocess.Popen(
            [*celery, "worker", "-Q", "webhooks,events,default", "-n", "io@%h", "--loglevel",
             "INFO", "--pool", "threads", "--concurrency", "8"],
            env=env, cwd=ROOT))  # fmt: skip
        children.append(subprocess.Popen(
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(var_dir / "celerybeat")],
            env=env, cwd=ROOT))  # fmt: skip

        base = f"http://127.0.0.1:{port}"
        _wait_for_http(f"{base}/healthz", children)
        print(
            "\n"
            f"facedetect is running on {base}\n"
            f"  API docs:  {base}/api/v1/docs/\n"
            f"  API key:   {key}   (staff account {DEMO_EMAIL})\n"
            f"  try:       curl -H 'Authorization: Api-Key {key}' \\\n"
            f"                  -F image=@photo.jpg {base}/api/v1/jobs\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        while all(p.poll() is None for p in children):
            time.sleep(0.5)
        print("a service exited; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    finally:
        _stop_all(children)
        if redis_process is not None:
            embedded_redis.stop(redis_process)


def _stop_all(children: list[subprocess.Popen]) -> None:
    for process in children:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in children:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    sys.exit(main())
