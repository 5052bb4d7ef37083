"""Running detection on claimed jobs and storing the outcome with its events.

Execution is at least once: a job is claimed with a conditional update, so a duplicate
message, a sweeper re-enqueue or a redelivery after a worker died never runs it twice at the
same time, and a finished job is never run again.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from insights import events
from insights.services import record_event
from jobs import waiting
from jobs.errors import StoreUnavailable
from jobs.models import Job, JobStatus
from jobs.services import enqueue_detection
from jobs.storage import ObjectMissing, get_object_store
from jobs.webhooks import dispatch as webhook_dispatch
from ml.detector import Detector
from ml.errors import ImageError
from ml.faces import filter_faces
from ml.images import decode_image
from ml.metadata import image_statistics

logger = logging.getLogger(__name__)


@dataclass
class _Loaded:
    job: Job
    image: np.ndarray
    metadata: dict


def claim_job(job_id, *, now: datetime | None = None, reclaim: bool = False) -> Job | None:
    """Move a queued (or stale running) job to running; None if someone else has it.

    ``reclaim`` takes a running job too: the broker redelivered its message because the worker
    that held it was lost, so nobody else is running it.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_AFTER)
    running = Q(status=JobStatus.RUNNING)
    if not reclaim:
        running &= Q(updated_at__lt=stale)
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(Q(status=JobStatus.QUEUED) | running)
        .update(
            status=JobStatus.RUNNING, started_at=now, updated_at=now, attempts=F("attempts") + 1
        )
    )
    return Job.objects.filter(pk=job_id).first() if claimed else None


def claim_batch(job_id, *, size: int, reclaim: bool = False) -> list[Job]:
    """Claim a job and, when ``size`` > 1, up to size-1 other queued jobs (oldest first), so
    one detector call serves several. Their own messages later find them done and skip."""
    first = claim_job(job_id, reclaim=reclaim)
    if first is None:
        return []
    if first.attempts > settings.JOB_MAX_ATTEMPTS:
        fail_job(
            first.pk,
            code="processing_failed",
            message=f"Detection did not complete after {first.attempts - 1} attempts.",
        )
        return []
    claimed = [first]
    if size > 1:
        others = (
            Job.objects.filter(status=JobStatus.QUEUED)
            .exclude(pk=job_id)
            .order_by("created_at")
            .values_list("pk", flat=True)[: size - 1]
        )
        for other in others:
            job = claim_job(other)
            if job is not None:
                claimed.append(job)
    return claimed


def run_detection(
    job_id, *, detector: Detector, batch_size: int = 1, redelivered: bool = False
) -> list[str]:
    """Detect faces for a job (and a batch of other queued jobs). Returns the IDs of jobs put
    back in the queue after a transient error, for the caller to re-enqueue with a delay.
    ``redelivered``: the broker says an earlier delivery of this message was lost."""
    claimed = claim_batch(job_id, size=batch_size, reclaim=redelivered)
    loaded, retry = _load_batch(claimed)
    if not loaded:
        return retry
    started = time.monotonic()
    try:
        results = detector.detect([item.image for item in loaded])
    except Exception as exc:  # the detector, TensorFlow, or the soft time limit
        logger.exception("detection failed for %d job(s)", len(loaded))
        return retry + _requeue_or_fail([item.job for item in loaded], exc)
    inference_ms = int((time.monotonic() - started) * 1000 / len(loaded))
    for item, faces in zip(loaded, results, strict=True):
        _succeed(item, faces, detector=detector, inference_ms=inference_ms)
    return retry


def _load_batch(claimed: list[Job]) -> tuple[list[_Loaded], list[str]]:
    """The claimed jobs' images, decoded; and the IDs of jobs put back in the queue. A job that
    cannot be loaded is failed or put back on its own: the rest of the batch goes on."""
    loaded, retry = [], []
    for number, job in enumerate(claimed):
        try:
            item = _load(job)
        except SoftTimeLimitExceeded as exc:  # out of time: give every job back, stop here
            unfinished = [*(done.job for done in loaded), *claimed[number:]]
            return [], retry + _requeue_or_fail(unfinished, exc)
        except StoreUnavailable as exc:  # not the job's fault: wait for the store
            logger.warning("job %s: the object store is unavailable: %s", job.pk, exc)
            _wait_for_store(job)
        except Exception as exc:
            logger.exception("job %s: loading its image failed", job.pk)
            retry += _requeue_or_fail([job], exc)
        else:
            if item is not None:
                loaded.append(item)
    return loaded, retry


def _load(job: Job) -> _Loaded | None:
    try:
        data = get_object_store().get(job.object_key)
    except ObjectMissing:
        fail_job(job.pk, code="input_missing", message="The stored image is missing.")
        return None
    if job.store_unavailable_since is not None:  # the store is back: a later outage starts anew
        Job.objects.filter(pk=job.pk).update(store_unavailable_since=None)
    try:
        image, info = decode_image(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ImageError as exc:
        fail_job(job.pk, code=exc.code, message=exc.message)
        return None
    metadata = {"mode": info.mode, "exif_orientation": info.exif_orientation}
    metadata.update(image_statistics(image))
    return _Loaded(job=job, image=image, metadata=metadata)


# How long a job waits before it asks the object store again: a quarter of the time it has
# waited so far, between these bounds (and before the sweeper would send it again), so a blip
# costs seconds and an outage a few tries an hour.
STORE_RETRY_MIN, STORE_RETRY_MAX = 10, 300


def _wait_for_store(job: Job) -> None:
    """Put back a job whose image the store could not give, without spending an attempt, and
    try it again later; fail it once the store has failed it for JOB_STORE_WAIT. Counted as
    attempts, an outage of a minute failed every queued job for good."""
    now = timezone.now()
    since = job.store_unavailable_since or now
    waited = (now - since).total_seconds()
    if waited > settings.JOB_STORE_WAIT:
        fail_job(
            job.pk,
            code="input_unavailable",
            message="The object store could not give the image back in time.",
        )
        return
    put_back = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED,
        attempts=F("attempts") - 1,
        store_unavailable_since=since,
        updated_at=now,
    )
    if put_back:
        longest = min(STORE_RETRY_MAX, settings.JOB_STALE_AFTER // 2)
        delay = int(min(longest, max(STORE_RETRY_MIN, waited / 4)))
        enqueue_detection(str(job.pk), countdown=delay)


def _requeue_or_fail(jobs: list[Job], exc: Exception) -> list[str]:
    retry = []
    for job in jobs:
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            fail_job(
                job.pk, code="internal_error", message=f"Detection failed: {type(exc).__name__}."
            )
        elif Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, updated_at=timezone.now()
        ):
            retry.append(str(job.pk))
    return retry


def _succeed(item: _Loaded, faces, *, detector: Detector, inference_ms: int) -> None:
    job = item.job
    kept = filter_faces(faces, min_confidence=job.min_confidence, min_face_size=job.min_face_size)
    job.status = JobStatus.SUCCEEDED
    job.faces = [face.to_dict() for face in kept]
    job.face_count = len(kept)
    job.model_name, job.model_version = detector.name, detector.version
    job.image_metadata = {**job.image_metadata, **item.metadata}
    _finish(job, now=timezone.now(), inference_ms=inference_ms)
    with transaction.atomic():
        # One conditional UPDATE of what changed, instead of reading the row again to lock it.
        saved = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            **{field: getattr(job, field) for field in _SUCCESS_FIELDS}
        )
        if not saved:  # deleted meanwhile, or finished by another attempt
            return
        _record_outcome(job)


_SUCCESS_FIELDS = (
    "status",
    "faces",
    "face_count",
    "model_name",
    "model_version",
    "image_metadata",
    "finished_at",
    "updated_at",
    "inference_ms",
    "total_ms",
    "queue_ms",
)


def fail_job(
    job_id, *, code: str, message: str, only_if_stale_before: datetime | None = None
) -> bool:
    """End a job as failed with an error code; False if it was already finished or gone."""
    with transaction.atomic():
        query = Job.objects.select_for_update().filter(
            pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        )
        if only_if_stale_before is not None:
            query = query.filter(updated_at__lt=only_if_stale_before)
        job = query.first()
        if job is None:
            return False
        job.status = JobStatus.FAILED
        job.error_code, job.error_message = code, message[:1000]
        _finish(job, now=timezone.now(), inference_ms=None)
        job.save()
        _record_outcome(job)
    return True


def _finish(job: Job, *, now: datetime, inference_ms: int | None) -> None:
    job.finished_at = job.updated_at = now
    job.inference_ms = inference_ms
    job.total_ms = _ms(now - job.created_at)
    if job.started_at is not None:
        job.queue_ms = _ms(job.started_at - job.created_at)


def _ms(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() * 1000))


def _record_outcome(job: Job) -> None:
    """The input and output events of a finished job, in its transaction; then the webhooks."""
    meta = job.image_metadata or {}
    record_event(
        events.INPUT_RECEIVED,
        user_id=job.user_id,
        job_id=str(job.pk),
        object_key=job.object_key,
        content_type=job.content_type,
        size_bytes=job.size_bytes,
        width=job.width,
        height=job.height,
        mode=meta.get("mode"),
        format=job.image_format,
        brightness=meta.get("brightness"),
        contrast=meta.get("contrast"),
        sharpness=meta.get("sharpness"),
        exif_orientation=meta.get("exif_orientation"),
        sha256=job.sha256,
    )
    confidences = [face["confidence"] for face in job.faces or []]
    record_event(
        events.OUTPUT_PRODUCED,
        user_id=job.user_id,
        job_id=str(job.pk),
        status=job.status,
        error_code=job.error_code or None,
        face_count=job.face_count or 0,
        confidences=confidences,
        min_confidence=min(confidences) if confidences else None,
        mean_confidence=statistics.fmean(confidences) if confidences else None,
        max_confidence=max(confidences) if confidences else None,
        model_name=job.model_name or None,
        model_version=job.model_version or None,
        queue_ms=job.queue_ms,
        inference_ms=job.inference_ms,
        total_ms=job.total_ms,
    )
    job_id = job.pk
    transaction.on_commit(lambda: waiting.announce_finished(job_id))
    # The deliveries commit with the outcome (none is lost if the worker dies); the first
    # attempts are queued once it is committed, so that the receiver finds the job finished.
    delivery_ids = webhook_dispatch.create_job_deliveries(job=job)
    if delivery_ids:
        transaction.on_commit(lambda: webhook_dispatch.enqueue_deliveries(delivery_ids))
