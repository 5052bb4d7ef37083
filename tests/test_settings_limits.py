"""Settings that other settings bound: read in a fresh interpreter, as a process starts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def settings_with(tmp_path, **env) -> dict:
    code = (
        "import json; from facedetect import settings as s; print(json.dumps("
        "[s.JOB_STALE_AFTER, s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_SOFT_TIME_LIMIT]))"
    )
    environ = {**os.environ, "VAR_DIR": str(tmp_path), "SECRET_KEY": "x" * 50, **env}
    for name in ("JOB_STALE_AFTER", "TASK_TIME_LIMIT", "TASK_SOFT_TIME_LIMIT"):
        if name not in env:
            environ.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, [300, 180, 120]),
        ({"JOB_STALE_AFTER": "60"}, [60, 45, 35]),
        ({"JOB_STALE_AFTER": "120", "TASK_TIME_LIMIT": "600"}, [120, 105, 95]),
        ({"JOB_STALE_AFTER": "10"}, [60, 45, 35]),  # the sweeper works down to 60 s
    ],
)
def test_a_task_always_ends_before_its_job_counts_as_stale(tmp_path, env, expected):
    assert settings_with(tmp_path, **env) == expected


@pytest.mark.parametrize(
    ("env", "expected"), [({}, 2048 * 1024), ({"WORKER_MAX_MEMORY_MB": "0"}, None)]
)
def test_a_pool_process_is_replaced_past_its_memory_limit(tmp_path, env, expected):
    code = "from facedetect.celery import app; print(app.conf.worker_max_memory_per_child)"
    environ = {**os.environ, "VAR_DIR": str(tmp_path), "SECRET_KEY": "x" * 50, **env}
    if not env:
        environ.pop("WORKER_MAX_MEMORY_MB", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(expected)
