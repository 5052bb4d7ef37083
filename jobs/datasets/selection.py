"""Which jobs go into a dataset, and in what order.

Only succeeded jobs of active accounts are ever selected: a deleted job or account has no rows
left, and an account whose deletion was requested is excluded before its purge has run.

The active-learning order puts first what the model is least sure of. Each job gets a priority
and jobs are sorted by it, most informative first:

1. negative feedback (the owner said the prediction was wrong);
2. disagreement: how many faces the feedback corrects (false positives + missed faces);
3. uncertainty: how many faces have a confidence in the uncertain band [low, high);
4. the lowest face confidence (lower first; an image without faces counts as 1.0);
5. newest first, as the tie-breaker.
"""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from jobs.errors import InvalidSelection
from jobs.models import Feedback, Job, JobStatus
from jobs.selectors import with_current_feedback

ORDERS = ("newest", "active")
DEFAULT_UNCERTAIN_LOW = 0.5
DEFAULT_UNCERTAIN_HIGH = 0.9


# The largest limit: it becomes the SQL LIMIT, which SQLite and PostgreSQL take up to 2**63 - 1;
# one beyond failed the export after the request had been accepted.
MAX_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class Selection:
    """The filters and order of an export; ``until`` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    with_feedback_only: bool = False
    order: str = "newest"
    limit: int | None = None
    uncertain_low: float = DEFAULT_UNCERTAIN_LOW
    uncertain_high: float = DEFAULT_UNCERTAIN_HIGH

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise InvalidSelection(f"order must be one of {', '.join(ORDERS)}.")
        if self.limit is not None and not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidSelection(f"limit must be between 1 and {MAX_LIMIT}.")
        if not 0.0 <= self.uncertain_low < self.uncertain_high <= 1.0:
            raise InvalidSelection("The uncertain band needs 0 <= low < high <= 1.")
        if self.since and self.until and self.since >= self.until:
            raise InvalidSelection("since must be before until.")
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise InvalidSelection("since and until need a time zone.")

    def as_dict(self) -> dict:
        """The selection as JSON values, for the manifest and the export row."""
        data = asdict(self)
        for name in ("since", "until"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Selection:
        """The inverse of ``as_dict``."""
        values = dict(data)
        for name in ("since", "until"):
            values[name] = datetime.fromisoformat(values[name]) if values.get(name) else None
        return cls(**values)


@dataclass(frozen=True)
class Priority:
    """Why a job ranks where it does in the active-learning order."""

    negative_feedback: bool
    corrected_faces: int
    uncertain_faces: int
    lowest_confidence: float

    def as_dict(self) -> dict:
        return asdict(self)


def exportable_jobs() -> QuerySet[Job]:
    """Succeeded jobs of active accounts, each with its current feedback prefetched as
    ``job.current_feedback`` (a list of 0 or 1)."""
    return with_current_feedback(
        Job.objects.filter(
            status=JobStatus.SUCCEEDED,
            user__is_active=True,
            user__deletion_requested_at__isnull=True,
        )
    )


def select_job_ids(selection: Selection) -> list:
    """The IDs of the selected jobs, in export order."""
    query = exportable_jobs()
    if selection.since:
        query = query.filter(created_at__gte=selection.since)
    if selection.until:
        query = query.filter(created_at__lt=selection.until)
    if selection.with_feedback_only:
        current = Feedback.objects.filter(job=OuterRef("pk"), superseded_at__isnull=True)
        query = query.filter(Exists(current))
    query = query.order_by("-created_at", "-id")
    if selection.order == "newest":
        ids = query.values_list("pk", flat=True)
        return list(ids[: selection.limit] if selection.limit else ids)
    ranked = (
        (_sort_key(job, selection), job.pk)
        for job in query.only("pk", "created_at", "faces").iterator(chunk_size=500)
    )
    # Only (key, id) pairs are kept, and only ``limit`` of them when there is a limit.
    if selection.limit:
        best = heapq.nsmallest(selection.limit, ranked, key=lambda pair: pair[0])
    else:
        best = sorted(ranked, key=lambda pair: pair[0])
    return [job_id for _, job_id in best]


def priority_of(job: Job, selection: Selection) -> Priority:
    """The active-learning priority of a job (with its current feedback prefetched)."""
    feedback = job.current_feedback[0] if job.current_feedback else None
    confidences = [face["confidence"] for face in job.faces or []]
    low, high = selection.uncertain_low, selection.uncertain_high
    return Priority(
        negative_feedback=feedback is not None and not feedback.correct,
        corrected_faces=(
            len(feedback.false_positives) + len(feedback.missed_faces) if feedback else 0
        ),
        uncertain_faces=sum(1 for value in confidences if low <= value < high),
        lowest_confidence=min(confidences, default=1.0),
    )


def _sort_key(job: Job, selection: Selection) -> tuple:
    priority = priority_of(job, selection)
    return (
        not priority.negative_feedback,
        -priority.corrected_faces,
        -priority.uncertain_faces,
        priority.lowest_confidence,
        -job.created_at.timestamp(),
    )
