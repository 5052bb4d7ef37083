"""Dataset exports started from the staff API: recorded, enqueued, run by a worker."""

from __future__ import annotations

import logging
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
    try:
        result = export_dataset(
            selection=Selection.from_dict(export.selection),
            dataset_format=export.format,
            destination=Destination(store_key=export.output_key),
        )
    except Exception as exc:  # the soft time limit included: the export fails with a reason
        logger.exception("dataset export %s failed", export_id)
        DatasetExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:1000],
        )
        return
    DatasetExport.objects.filter(pk=export_id).update(
        status=ExportStatus.SUCCEEDED,
        finished_at=timezone.now(),
        counts=result.counts.as_dict(),
        size_bytes=result.size_bytes,
        sha256=result.sha256,
    )
