"""Waiting for a job to finish: ``GET /api/v1/jobs/{id}?wait=N`` holds the request until the
job has succeeded or failed, or N seconds have passed.

A worker announces each finished job on a Redis channel once its outcome is committed. Each
web process keeps one subscription to that channel (a daemon thread) and wakes the requests
waiting for the announced job; they then read the job from the database, which stays the only
source of truth. An announcement can be lost (pub/sub keeps nothing, the subscription may be
reconnecting): a waiting request also reads the job every ``JOB_WAIT_RECHECK`` seconds, so a
lost announcement costs latency, never a wrong answer.

A waiting request holds one of the web server's threads, so each process lets at most
``JOB_WAIT_MAX_WAITERS`` requests wait at once; past that a request is answered at once, with
``Retry-After``, and the client polls again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

from facedetect.redis_clients import client_for
from jobs.models import TERMINAL_STATUSES, Job
from jobs.selectors import get_job, job_status

logger = logging.getLogger(__name__)

CHANNEL = "facedetect:jobs:finished"
LISTENER_NAME = "facedetect-job-announcements"  # in Redis's CLIENT LIST


def announce_finished(job_id) -> None:
    """Tell the web processes that a job's outcome is committed (best effort)."""
    try:
        client_for(settings.REDIS_URL).publish(CHANNEL, str(job_id))
    except redis.RedisError:
        # Waiting requests re-read the job every JOB_WAIT_RECHECK seconds anyway.
        logger.warning("could not announce finished job %s", job_id, exc_info=True)


class FinishedJobs:
    """This process's subscription to the announcements, and the requests waiting on them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[threading.Event]] = {}
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.subscribed = threading.Event()

    @contextmanager
    def watch(self, job_id: str) -> Iterator[threading.Event]:
        """An event set when ``job_id`` is announced, for the duration of the block."""
        event = threading.Event()
        with self._lock:
            self._ensure_listening()
            self._waiters.setdefault(job_id, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                waiting = self._waiters.get(job_id)
                if waiting is not None:
                    waiting.discard(event)
                    if not waiting:
                        del self._waiters[job_id]

    def _ensure_listening(self) -> None:
        # After a fork the thread is gone but the object is not: start a new one.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self.subscribed.clear()
        self._thread = threading.Thread(target=self._listen, name="job-announcements", daemon=True)
        self._thread.start()

    def _notify(self, job_id: str) -> None:
        with self._lock:
            for event in self._waiters.get(job_id, ()):
                event.set()

    def _listen(self) -> None:
        backoff = 0.5
        while True:
            # A client of its own: it blocks reading for as long as nothing is announced, which
            # the shared clients' 2 s reply timeout would cut.
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, client_name=LISTENER_NAME
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                self.subscribed.set()
                backoff = 0.5
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._notify(message["data"].decode())
            except Exception:  # a listener that died would strand every waiter
                self.subscribed.clear()
                logger.warning("job announcements: subscription lost; retrying", exc_info=True)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                pubsub.close()
                client.close()


finished_jobs = FinishedJobs()

_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _waiting_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.JOB_WAIT_MAX_WAITERS))
        return _slots


def wait_for_job(user, job_id, *, timeout: float) -> tuple[Job, bool]:
    """The user's job once it has finished, or as it is after ``timeout`` seconds.

    Returns (job, waited); waited is False when this process already holds its maximum of
    waiting requests and the job was read once, without waiting. JobNotFound as get_job.
    """
    slots = _waiting_slots()
    if not slots.acquire(blocking=False):
        return get_job(user, job_id), False
    try:
        deadline = time.monotonic() + timeout
        # Watch before reading, so an announcement between the read and the wait is not missed.
        with finished_jobs.watch(str(job_id)) as announced:
            status = job_status(user, job_id)
            while status not in TERMINAL_STATUSES:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                woken = announced.wait(min(remaining, settings.JOB_WAIT_RECHECK))
                announced.clear()
                if woken:  # most likely finished: read it whole at once
                    job = get_job(user, job_id)
                    if job.status in TERMINAL_STATUSES:
                        return job, True
                    status = job.status
                else:
                    status = job_status(user, job_id)
        return get_job(user, job_id), True
    finally:
        slots.release()
