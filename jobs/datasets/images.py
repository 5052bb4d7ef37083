"""The image files of a dataset: each stored input, upright.

Labels are in displayed pixels (EXIF orientation applied). A stored input whose EXIF tag
rotates or flips it is re-encoded with the orientation applied, so that a loader that ignores
EXIF sees the pixels the boxes refer to; every other input goes in byte for byte.
"""

from __future__ import annotations

import io

from PIL import Image

from jobs.models import Job
from jobs.storage import EXTENSIONS
from ml.images import upright


def archive_path(job: Job) -> str:
    """Where the job's image goes inside the archive."""
    return f"images/{job.pk}.{EXTENSIONS.get(job.image_format, 'bin')}"


def upright_bytes(job: Job, data: bytes) -> tuple[bytes, bool]:
    """The image bytes to export and whether they were re-encoded to apply EXIF orientation."""
    orientation = (job.image_metadata or {}).get("exif_orientation") or 1
    if orientation == 1:
        return data, False
    with Image.open(io.BytesIO(data)) as image:
        shown = upright(image, orientation)
        buffer = io.BytesIO()
        if job.image_format == "JPEG":
            shown.save(buffer, format="JPEG", quality=95)
        else:
            shown.save(buffer, format=job.image_format)
    return buffer.getvalue(), True
