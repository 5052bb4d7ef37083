"""Comparing two detectors' answers on the same images: box overlap and matched faces."""

from __future__ import annotations

from collections.abc import Sequence

from ml.faces import Face


def box_iou(a: Face, b: Face) -> float:
    """Intersection over union of two faces' boxes."""
    width = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    height = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    inter = max(0, width) * max(0, height)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def matched_faces(
    reference: Sequence[Face],
    candidate: Sequence[Face],
    *,
    min_confidence: float = 0.9,
    min_iou: float = 0.9,
) -> tuple[int, int]:
    """(matched, total): of the reference faces at ``min_confidence`` or above, how many have a
    candidate face whose box overlaps theirs by ``min_iou`` or more."""
    confident = [face for face in reference if face.confidence >= min_confidence]
    matched = sum(any(box_iou(face, other) >= min_iou for other in candidate) for face in confident)
    return matched, len(confident)


def same_faces(a: Sequence[Face], b: Sequence[Face], *, tolerance: float = 1e-4) -> bool:
    """Whether two answers for one image agree: the same boxes and landmarks in the same order,
    confidences within ``tolerance`` (float rounding differs between batch sizes)."""
    return len(a) == len(b) and all(
        (f.x, f.y, f.width, f.height, f.landmarks) == (g.x, g.y, g.width, g.height, g.landmarks)
        and abs(f.confidence - g.confidence) <= tolerance
        for f, g in zip(a, b, strict=True)
    )
