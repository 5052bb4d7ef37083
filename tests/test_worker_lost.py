"""A worker process killed mid-job: the broker gives the message back and the job finishes.

This runs a real `celery worker` (prefork, one pool process) as a subprocess on the test
database, SIGKILLs its pool process while the job is running, and waits for the job.
"""

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from celery import current_app
from django.conf import settings
from django.db import connection
from PIL import Image

from jobs.models import Job
from jobs.storage import get_object_store
from ml.images import probe_image
from tests.images import encode

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_process(tmp_path):
    """A prefork worker with one pool process, consuming a queue of its own."""
    queue = f"detect-killed-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "OBJECT_STORE_DIR": str(settings.OBJECT_STORE_DIR),
        "WORKER_PRELOAD_MODEL": "true",
        "JOB_STALE_AFTER": "3600",  # so that only the redelivery, not the sweeper, can save it
    }
    command = [
        sys.executable, "-m", "celery", "-A", "facedetect", "worker", "-Q", queue,
        "--pool", "prefork", "--concurrency", "1", "-n", f"{queue}@%h", "--loglevel", "INFO",
        "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        print((tmp_path / "worker.log").read_text()[-3000:])


def large_photo(photo) -> bytes:
    # A 12 MP photo: long enough to decode and detect that the kill lands mid-job.
    image = Image.open(io.BytesIO(photo("paul_rudd.jpg")))
    return encode(image.resize((3000, 3750)), "JPEG", quality=90)


def test_job_survives_its_worker_process_being_killed(account, photo, settings, worker_process):
    user, _, _ = account
    process, queue = worker_process
    settings.JOB_STALE_AFTER = 3600
    # Stored like a submission, but sent only to the subprocess's own queue: the in-process
    # test worker, if this session started it, must not take the job first.
    data = large_photo(photo)
    info = probe_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    job = Job.objects.create(
        user=user, object_key=f"inputs/{uuid.uuid4()}.jpg", content_type=info.content_type,
        image_format=info.format, size_bytes=info.size_bytes, sha256=info.sha256,
        width=info.width, height=info.height,
    )  # fmt: skip
    get_object_store().put(job.object_key, data, content_type=info.content_type, sha256=info.sha256)
    current_app.send_task("workers.tasks.detect_faces", args=[str(job.pk)], queue=queue)

    deadline = time.monotonic() + 180
    while Job.objects.get(pk=job.pk).status != "running":
        assert process.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.01)
    pool = psutil.Process(process.pid).children()
    assert len(pool) == 1
    pool[0].kill()

    while (current := Job.objects.get(pk=job.pk)).status not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, f"job still {current.status} after the kill"
        time.sleep(0.2)
    assert current.status == "succeeded", current.error_message
    assert current.face_count == 1
    assert current.attempts == 2  # the killed attempt and the one after the redelivery
