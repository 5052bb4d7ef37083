"""COCO JSON (object detection with keypoints) for a list of labelled images.

Each image's ``file_name`` is its path inside the archive. One category, ``face``, with the
five MTCNN landmarks as keypoints. Predicted faces carry their landmarks ([x, y, 2] each,
``num_keypoints`` 5); faces added by feedback have none (all zeros, ``num_keypoints`` 0).
Beyond the standard fields, annotations carry ``score`` (the model's confidence, null for a
face added by feedback) and ``source`` ("model" or "feedback"), images their ``job_id``.
"""

from __future__ import annotations

from datetime import datetime

from jobs.datasets.labels import Label, LabelledImage
from ml.faces import LANDMARK_NAMES

FACE_CATEGORY = {
    "id": 1,
    "name": "face",
    "supercategory": "person",
    "keypoints": list(LANDMARK_NAMES),
    "skeleton": [],
}


def coco_dataset(images: list[LabelledImage], *, created_at: datetime) -> dict:
    """The COCO document for the images, in their order (ids from 1)."""
    coco_images, annotations = [], []
    for image_id, image in enumerate(images, start=1):
        coco_images.append(
            {
                "id": image_id,
                "file_name": image.path,
                "width": image.width,
                "height": image.height,
                "job_id": image.job_id,
            }
        )
        for label in image.labels:
            annotations.append(_annotation(len(annotations) + 1, image_id, label))
    return {
        "info": {
            "description": "facedetect training dataset",
            "version": "1.0",
            "date_created": created_at.isoformat(),
        },
        "licenses": [],
        "images": coco_images,
        "annotations": annotations,
        "categories": [FACE_CATEGORY],
    }


def _annotation(annotation_id: int, image_id: int, label: Label) -> dict:
    if label.landmarks:
        keypoints = [v for name in LANDMARK_NAMES for v in (*label.landmarks[name], 2)]
        num_keypoints = len(LANDMARK_NAMES)
    else:
        keypoints = [0] * (3 * len(LANDMARK_NAMES))
        num_keypoints = 0
    return {
        "id": annotation_id,
        "image_id": image_id,
        "category_id": FACE_CATEGORY["id"],
        "bbox": [label.x, label.y, label.width, label.height],
        "area": label.width * label.height,
        "iscrowd": 0,
        "keypoints": keypoints,
        "num_keypoints": num_keypoints,
        "score": label.confidence,
        "source": label.source,
    }
