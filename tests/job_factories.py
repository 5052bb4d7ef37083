"""Job rows made directly, for tests that need a job in a given state without a worker."""

import uuid

from jobs.models import Job


def make_job(user, *, status: str = "queued", faces: list | None = None) -> Job:
    """A job row with its image metadata filled in (the image itself is not stored)."""
    job_id = uuid.uuid4()
    return Job.objects.create(
        id=job_id,
        user=user,
        status=status,
        object_key=f"inputs/test/{job_id}.jpg",
        content_type="image/jpeg",
        image_format="JPEG",
        size_bytes=1000,
        sha256="0" * 64,
        width=320,
        height=240,
        faces=faces,
        face_count=len(faces) if faces is not None else None,
        model_name="mtcnn",
        model_version="1.0.0",
    )
