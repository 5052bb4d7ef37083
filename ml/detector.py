"""The detector interface the service depends on, and the MTCNN backend behind it."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ml.faces import LANDMARK_NAMES, Face


class Detector(Protocol):
    """Finds faces in RGB uint8 images (H, W, 3)."""

    name: str
    version: str

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Face]]:
        """One list of faces per image, in the order given."""
        ...


class MTCNNDetector:
    """The `mtcnn` package's detector with its default thresholds and 20 px minimum face."""

    name = "mtcnn"

    def __init__(self, *, device: str = "CPU:0") -> None:
        from mtcnn import MTCNN

        self.version = importlib.metadata.version("mtcnn")
        self._model = MTCNN(device=device)

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Face]]:
        results = []
        for image in images:
            raw = self._model.detect_faces(image)
            results.append([face_from_mtcnn(item) for item in raw])
        return results


def face_from_mtcnn(item: dict) -> Face:
    """Convert one of `mtcnn`'s JSON results to a Face."""
    x, y, width, height = (round(float(v)) for v in item["box"])
    keypoints = item["keypoints"]
    landmarks = {
        name: (round(float(keypoints[name][0])), round(float(keypoints[name][1])))
        for name in LANDMARK_NAMES
    }
    return Face(
        x=x,
        y=y,
        width=width,
        height=height,
        confidence=float(item["confidence"]),
        landmarks=landmarks,
    )
