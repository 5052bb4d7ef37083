"""A job's labels: its predicted faces, corrected by the owner's current feedback."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.models import Feedback, Job
from ml.faces import LANDMARK_NAMES

MODEL = "model"
FEEDBACK = "feedback"


@dataclass(frozen=True)
class Label:
    """One face box in displayed pixels. Faces added by feedback have no confidence and no
    landmarks."""

    x: int
    y: int
    width: int
    height: int
    source: str
    confidence: float | None = None
    landmarks: dict[str, list[int]] | None = None


@dataclass(frozen=True)
class LabelledImage:
    """An image of the dataset: its path inside the archive, its size and its labels."""

    path: str
    width: int
    height: int
    job_id: str
    labels: list[Label]


@dataclass(frozen=True)
class Corrections:
    """How feedback changed a job's faces."""

    removed: int = 0
    added: int = 0


def corrected_labels(job: Job, feedback: Feedback | None) -> tuple[list[Label], Corrections]:
    """The job's faces minus the feedback's false positives, plus its missed faces."""
    false_positives = set(feedback.false_positives) if feedback else set()
    labels = [
        _predicted(face)
        for index, face in enumerate(job.faces or [])
        if index not in false_positives
    ]
    missed = feedback.missed_faces if feedback else []
    labels += [
        Label(x=box["x"], y=box["y"], width=box["width"], height=box["height"], source=FEEDBACK)
        for box in missed
    ]
    return labels, Corrections(removed=len(false_positives), added=len(missed))


def _predicted(face: dict) -> Label:
    box = face["box"]
    return Label(
        x=box["x"],
        y=box["y"],
        width=box["width"],
        height=box["height"],
        source=MODEL,
        confidence=face["confidence"],
        landmarks={name: list(face["landmarks"][name]) for name in LANDMARK_NAMES},
    )
