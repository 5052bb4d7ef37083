"""Jobs for the webhook tests, ended by the real services without running the detector."""

from __future__ import annotations

import uuid

from standardwebhooks import Webhook

from jobs import processing
from jobs.models import Job
from tests.webhook_receiver import Received


def queued_job(user, **fields) -> Job:
    """A queued job whose stored image does not exist; no worker is asked to run it."""
    defaults = {
        "object_key": f"missing/{uuid.uuid4()}.jpg",
        "content_type": "image/jpeg",
        "image_format": "JPEG",
        "size_bytes": 1,
        "sha256": "0" * 64,
        "width": 1,
        "height": 1,
    }
    return Job.objects.create(user=user, **{**defaults, **fields})


def failed_job(user, **fields) -> Job:
    """A job ended as failed by jobs.processing, which creates its webhook deliveries."""
    job = queued_job(user, **fields)
    processing.fail_job(job.pk, code="input_missing", message="The stored image is missing.")
    job.refresh_from_db()
    return job


def verified(received: Received, secret: str) -> dict:
    """The payload of a request, verified with the official standardwebhooks library."""
    return Webhook(secret).verify(received.body, received.headers)
