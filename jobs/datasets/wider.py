"""The WIDER FACE annotation text format (``wider_face_*_bbx_gt.txt``).

Per image: its path, the face count, then one line per face
``x1 y1 w h blur expression illumination invalid occlusion pose``. We know only the box, so the
six attributes are 0 (WIDER's "typical"/"valid" values). As in WIDER's own files, an image
without faces has count 0 followed by one line of zeros. Paths are relative to the archive
root (WIDER's are relative to its ``images/`` folder).
"""

from __future__ import annotations

from jobs.datasets.labels import LabelledImage

_ATTRIBUTES = "0 0 0 0 0 0"


def wider_annotations(images: list[LabelledImage]) -> str:
    """The bbx_gt text for the images, in their order."""
    lines = []
    for image in images:
        lines.append(image.path)
        lines.append(str(len(image.labels)))
        for label in image.labels:
            lines.append(f"{label.x} {label.y} {label.width} {label.height} {_ATTRIBUTES}")
        if not image.labels:
            lines.append(f"0 0 0 0 {_ATTRIBUTES}")
    return "\n".join(lines) + "\n"
