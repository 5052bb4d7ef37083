"""Building a dataset archive: select jobs, label them, pack images, annotations, manifest."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.utils import timezone

from jobs.datasets.archive import DatasetArchive
from jobs.datasets.coco import coco_dataset
from jobs.datasets.destinations import Destination
from jobs.datasets.images import archive_path, upright_bytes
from jobs.datasets.labels import MODEL, LabelledImage, corrected_labels
from jobs.datasets.selection import Selection, exportable_jobs, priority_of, select_job_ids
from jobs.datasets.wider import wider_annotations
from jobs.models import Job
from jobs.storage import ObjectMissing, get_object_store

FORMATS = ("coco", "wider")
ANNOTATION_FILES = {
    "coco": "annotations/instances.json",
    "wider": "annotations/wider_face_bbx_gt.txt",
}
_CHUNK = 200

# Called with (done, total) after each selected job.
Progress = Callable[[int, int], None]


@dataclass
class Counts:
    """What an export holds."""

    images: int = 0
    annotations: int = 0
    model_faces: int = 0
    feedback_faces: int = 0
    removed_false_positives: int = 0
    images_with_feedback: int = 0
    reencoded_images: int = 0
    # Selected, but deleted (or their image gone) before they could be packed.
    skipped: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ExportResult:
    counts: Counts
    location: str
    size_bytes: int
    sha256: str
    # The accounts whose images the archive holds: deleting one of them deletes the archive.
    account_ids: frozenset[int] = frozenset()


def export_dataset(
    *,
    selection: Selection,
    dataset_format: str,
    destination: Destination,
    on_progress: Progress | None = None,
) -> ExportResult:
    """Build the archive for the selection and save it to the destination."""
    if dataset_format not in FORMATS:
        raise ValueError(f"unknown dataset format {dataset_format!r}")
    scratch = destination.scratch_file()
    try:
        counts, account_ids = build_archive(
            scratch, selection=selection, dataset_format=dataset_format, on_progress=on_progress
        )
        size, sha256 = destination.save(scratch)
    finally:
        scratch.unlink(missing_ok=True)
    return ExportResult(
        counts=counts,
        location=destination.describe(),
        size_bytes=size,
        sha256=sha256,
        account_ids=account_ids,
    )


def build_archive(
    path: Path,
    *,
    selection: Selection,
    dataset_format: str,
    on_progress: Progress | None = None,
) -> tuple[Counts, frozenset[int]]:
    """Write the tar.gz for the selection to ``path``; what it holds, and whose images."""
    created_at = timezone.now()
    job_ids = select_job_ids(selection)
    archive = DatasetArchive(path, created_at=created_at)
    counts, images, entries, account_ids = Counts(), [], [], set()
    try:
        for done, job in _jobs_in_order(job_ids):
            entry = _pack(archive, job, counts, images) if job else None
            if entry is None:
                counts.skipped += 1
            else:
                account_ids.add(job.user_id)
                if selection.order == "active":
                    entry["priority"] = priority_of(job, selection).as_dict()
                entries.append(entry)
            if on_progress:
                on_progress(done, len(job_ids))
        archive.add(
            ANNOTATION_FILES[dataset_format], _annotations(dataset_format, images, created_at)
        )
        archive.close(
            {
                "generator": "facedetect export_dataset",
                "created_at": created_at.isoformat(),
                "format": dataset_format,
                "annotations": ANNOTATION_FILES[dataset_format],
                "selection": selection.as_dict(),
                "counts": counts.as_dict(),
                "images": entries,
            }
        )
    except BaseException:
        archive.abort()
        raise
    return counts, frozenset(account_ids)


def _jobs_in_order(job_ids: list) -> Iterator[tuple[int, Job | None]]:
    """(position from 1, job or None) in the selected order. Rows are read again in chunks with
    the same filters, so a job or account deleted since the selection drops out."""
    for start in range(0, len(job_ids), _CHUNK):
        chunk = job_ids[start : start + _CHUNK]
        jobs = exportable_jobs().in_bulk(chunk)
        for offset, job_id in enumerate(chunk, start=start + 1):
            yield offset, jobs.get(job_id)


def _pack(archive: DatasetArchive, job: Job, counts: Counts, images: list) -> dict | None:
    """Add one job's image to the archive and its labels to ``images``; None if the stored
    image is gone."""
    try:
        data = get_object_store().get(job.object_key)
    except ObjectMissing:
        return None
    data, reencoded = upright_bytes(job, data)
    path = archive_path(job)
    archive.add(path, data)
    feedback = job.current_feedback[0] if job.current_feedback else None
    labels, corrections = corrected_labels(job, feedback)
    images.append(
        LabelledImage(
            path=path, width=job.width, height=job.height, job_id=str(job.pk), labels=labels
        )
    )
    model_faces = sum(1 for label in labels if label.source == MODEL)
    counts.images += 1
    counts.annotations += len(labels)
    counts.model_faces += model_faces
    counts.feedback_faces += corrections.added
    counts.removed_false_positives += corrections.removed
    counts.images_with_feedback += feedback is not None
    counts.reencoded_images += reencoded
    return {
        "file": path,
        "job_id": str(job.pk),
        "created_at": job.created_at.isoformat(),
        "width": job.width,
        "height": job.height,
        "input_sha256": job.sha256,
        "reencoded": reencoded,
        "model": f"{job.model_name} {job.model_version}".strip(),
        "options": {"min_confidence": job.min_confidence, "min_face_size": job.min_face_size},
        "faces": len(labels),
        "feedback": None if feedback is None else ("correct" if feedback.correct else "incorrect"),
    }


def _annotations(dataset_format: str, images: list[LabelledImage], created_at: datetime) -> bytes:
    if dataset_format == "coco":
        return json.dumps(coco_dataset(images, created_at=created_at)).encode()
    return wider_annotations(images).encode()
