"""The detector's output, independent of any backend."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


@dataclass(frozen=True)
class Face:
    """One detected face, in pixels of the image as displayed."""

    x: int
    y: int
    width: int
    height: int
    confidence: float
    landmarks: dict[str, tuple[int, int]]

    def to_dict(self) -> dict:
        """The API's JSON shape of a face."""
        return {
            "box": {"x": self.x, "y": self.y, "width": self.width, "height": self.height},
            "confidence": round(self.confidence, 6),
            "landmarks": {name: list(self.landmarks[name]) for name in LANDMARK_NAMES},
        }


def filter_faces(
    faces: Iterable[Face],
    *,
    min_confidence: float | None = None,
    min_face_size: int | None = None,
) -> list[Face]:
    """Drop faces below a confidence or whose shorter box side is under ``min_face_size``.
    Filters only: the kept faces are unchanged."""
    kept = []
    for face in faces:
        if min_confidence is not None and face.confidence < min_confidence:
            continue
        if min_face_size is not None and min(face.width, face.height) < min_face_size:
            continue
        kept.append(face)
    return kept
