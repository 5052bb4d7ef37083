"""`make run`: the whole service on one machine, with the embedded defaults.

Migrates, starts an embedded Redis when REDIS_URL is unset, checks the object store (a bad
bucket stops it here) and installs the Elasticsearch index templates when ELASTICSEARCH_URL is
set, then starts gunicorn (web), a Celery worker for detection, a Celery worker for the light
queues (webhooks, events, default), and Celery beat; prints where it listens and a ready API
key; stops everything on Ctrl-C, and when any of them (the embedded Redis included) dies,
saying which: jobs it held go back to the queue when the service is started again.
"""

from __future__ import annotations

import contextlib
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
        _python(str(ROOT / "manage.py"), *args), env=env, cwd=ROOT,
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        # Say what failed (a missing bucket, a denied key...) instead of a bare exit status.
        raise SystemExit(f"manage.py {args[0]} failed:\n{result.stderr.strip()}")
    return result.stdout.strip()


def _wait_for_http(url: str, services: dict[str, subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if exited := first_exited(services):
            raise RuntimeError(f"{exited} during start-up; see the log above")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback URL)
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def first_exited(services: dict[str, subprocess.Popen]) -> str | None:
    """The first service no longer running, as "<service> exited (<how>)"; else None."""
    for name, process in services.items():
        code = process.poll()
        if code is None:
            continue
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"{name} exited (killed by {signal.Signals(-code).name})"
            return f"{name} exited (killed by signal {-code})"
        return f"{name} exited (status {code})"
    return None


# Ctrl-C, SIGTERM and SIGHUP (the terminal closed) all stop everything.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "facedetect.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    port = env.get("PORT", "8000")
    var_dir = Path(env.get("VAR_DIR", ROOT / "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1

    children: dict[str, subprocess.Popen] = {}
    redis_process = None
    # Also when started from a script where SIGINT arrives ignored.
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.default_int_handler)
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
        print(_manage("checkstore", env=env))
        if env.get("ELASTICSEARCH_URL"):
            print(_manage("install_es_templates", env=env))
        key = _manage("createapikey", DEMO_EMAIL, "--staff", "--name", "make run", env=env)

        celery = [_bin("celery"), "-A", "facedetect"]
        web = [_bin("gunicorn"), "facedetect.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", env.get("WEB_CONCURRENCY", "2"),
               "--threads", env.get("WEB_THREADS", "32"), "--worker-class", "gthread",
               "--timeout", "60", "--access-logfile", "-",
               # Requests waiting for a job (?wait=, at most JOB_WAIT_MAX s) end before a
               # worker stops, instead of being cut.
               "--graceful-timeout", str(int(env.get("JOB_WAIT_MAX", "30")) + 5)]  # fmt: skip
        if Path("/dev/shm").is_dir():  # noqa: S108
            # The heartbeat touches a file on every loop; on tmpfs that costs no disk I/O.
            web += ["--worker-tmp-dir", "/dev/shm"]  # noqa: S108
        detect = [*celery, "worker", "-Q", "detect", "-n", "detect@%h", "--loglevel", "INFO",
                  "--concurrency", env.get("WORKER_CONCURRENCY", str(cores)),
                  "--pool", "prefork"]  # fmt: skip
        io_worker = [*celery, "worker", "-Q", "webhooks,events,default", "-n", "io@%h",
                     "--loglevel", "INFO", "--pool", "threads", "--concurrency", "8"]  # fmt: skip
        beat = [*celery, "beat", "--loglevel", "INFO", "--schedule", str(var_dir / "celerybeat")]
        children["the web server (gunicorn)"] = _spawn(web, env)
        detect_env = {**env, "WORKER_PRELOAD_MODEL": "true"}
        detect_env.setdefault("WORKER_NICE", "10")  # the API answers first on a shared machine
        children["the detection worker"] = _spawn(detect, detect_env)
        children["the I/O worker"] = _spawn(io_worker, env)
        children["beat"] = _spawn(beat, env)
        watched = dict(children)
        if redis_process is not None:
            watched["the embedded Redis"] = redis_process

        base = f"http://127.0.0.1:{port}"
        _wait_for_http(f"{base}/healthz", watched)
        print(
            "\n"
            f"facedetect is running on {base}\n"
            f"  API docs:  {base}/api/v1/docs/\n"
            f"  API key:   {key}   (staff account {DEMO_EMAIL})\n"
            f"  try:       curl -H 'Authorization: Api-Key {key}' -H 'Prefer: wait=20' \\\n"
            f"                  -F image=@photo.jpg {base}/api/v1/jobs\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while not (exited := first_exited(watched)):
            time.sleep(0.5)
        print(
            f"make run: {exited}; stopping the others. Jobs in flight go back to the queue when"
            " make run starts again (the sweeper takes them within JOB_STALE_AFTER).",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    except RuntimeError as exc:  # the embedded Redis or a service would not start
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    finally:
        try:
            _stop_all(list(children.values()))
        except KeyboardInterrupt:  # asked again: no more waiting for a warm shutdown
            _ignore_stop_signals()
            print("stopping at once", file=sys.stderr)
            for process in children.values():
                _signal_group(process, signal.SIGKILL)
        # Whatever arrives now, the broker is stopped too: it outlives nothing it served.
        _ignore_stop_signals()
        if redis_process is not None:
            embedded_redis.stop(redis_process)


def _ignore_stop_signals() -> None:
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _spawn(command: list[str], env: dict) -> subprocess.Popen:
    """Start a service in a process group of its own: the launcher alone decides when it
    stops, and stopping it reaches its workers too (gunicorn's, Celery's pool)."""
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def _stop_all(children: list[subprocess.Popen]) -> None:
    """SIGTERM every service's main process, SIGKILL its whole group after 45 s at most.

    The main process alone is told: Celery then finishes the tasks its pool is running (a warm
    shutdown) and gunicorn the requests its workers hold. A SIGTERM to the whole group reached
    Celery's pool processes too, which died mid-job and spent an attempt of each job."""
    for process in children:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 45
    for process in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


if __name__ == "__main__":
    sys.exit(main())
