"""Dataset exports started from the staff API: recorded, enqueued, run by a worker."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jobs.datasets.build import export_dataset
from jobs.datasets.destinations import Destination
from jobs.datasets.selection import Selection
from jobs.models import DatasetExport, ExportStatus
from jobs.queueing import enqueue_task
from jobs.storage import get_object_store

logger = logging.getLogger(__name__)

EXPORT_TASK = "workers.tasks.export_dataset"


def export_key(export: DatasetExport) -> str:
    """Where an export's archive goes in the object store."""
    return f"exports/{export.created_at:%Y/%m/%d}/{export.pk}.tar.gz"


def start_export(*, requested_by, selection: Selection, dataset_format: str) -> DatasetExport:
    """Record an export and hand it to a worker once committed."""
    with transaction.atomic():
        export = DatasetExport(
            requested_by=requested_by, format=dataset_format, selection=selection.as_dict()
        )
        export.output_key = export_key(export)
        export.save(force_insert=True)
        export_id = str(export.pk)
        transaction.on_commit(lambda: _enqueue(export_id))
    return export


def _enqueue(export_id: str) -> None:
    # On failure the row stays queued and shows so in the API; staff can start another export.
    enqueue_task(EXPORT_TASK, args=[export_id])


def run_export(export_id) -> None:
    """Run a queued export and store its outcome. Idempotent: a finished export, or one that
    another worker is running, is left alone; one left running by a dead worker is rerun
    (the archive key is the same, so a rerun overwrites it)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DATASET_EXPORT_TIME_LIMIT)
    claimed = (
        DatasetExport.objects.filter(pk=export_id)
        .filter(
            Q(status=ExportStatus.QUEUED) | Q(status=ExportStatus.RUNNING, started_at__lt=stale)
        )
        .update(status=ExportStatus.RUNNING, started_at=now, error="")
    )
    if not claimed:
        return
    export = DatasetExport.objects.get(pk=export_id)
    # Only this claim may record the outcome: a rerun that took over has a later started_at.
    ours = DatasetExport.objects.filter(pk=export_id, started_at=now)
    try:
        result = export_dataset(
            selection=Selection.from_dict(export.selection),
            dataset_format=export.format,
            destination=Destination(store_key=export.output_key),
            on_progress=_deadline(settings.DATASET_EXPORT_TIME_LIMIT),
        )
    except Exception as exc:  # the deadline included: the export fails with a reason
        logger.exception("dataset export %s failed", export_id)
        ours.update(
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:1000],
        )
        return
    ours.update(
        status=ExportStatus.SUCCEEDED,
        account_ids=sorted(result.account_ids),
        finished_at=timezone.now(),
        counts=result.counts.as_dict(),
        size_bytes=result.size_bytes,
        sha256=result.sha256,
    )


def withdraw_exports_of(*, user_id: int) -> int:
    """Delete every export archive that holds images of this account (account deletion);
    the export stays listed as withdrawn. Idempotent; returns how many were withdrawn."""
    store = get_object_store()
    withdrawn = 0
    # A handful of rows, read whole: a JSON "contains" lookup is not portable to SQLite.
    finished = DatasetExport.objects.filter(status=ExportStatus.SUCCEEDED)
    for export in finished.only("pk", "output_key", "account_ids"):
        if user_id not in export.account_ids:
            continue
        store.delete(export.output_key)
        withdrawn += DatasetExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.WITHDRAWN,
            size_bytes=None,
            sha256="",
            error="Withdrawn: it held images of an account deleted since.",
        )
    return withdrawn


class ExportTimedOut(Exception):
    pass


def _deadline(seconds: float):
    """A progress callback that ends the export once it has run ``seconds``. Exports run on
    the I/O worker's thread pool, where Celery's time limits are not enforced; without this a
    long export would outlive its claim and be built twice at once."""
    ends = time.monotonic() + seconds

    def check(done: int, total: int) -> None:
        if time.monotonic() > ends:
            raise ExportTimedOut(
                f"the export ran past DATASET_EXPORT_TIME_LIMIT ({seconds:g} s) after "
                f"{done} of {total} jobs; export a narrower selection"
            )

    return check
