"""Input and output shapes of the jobs API."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from jobs.models import Feedback, Job, JobStatus


class SubmitOptionsSerializer(serializers.Serializer):
    min_confidence = serializers.FloatField(required=False, min_value=0.0, max_value=1.0)
    min_face_size = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    webhook_url = serializers.URLField(required=False, max_length=2048, allow_blank=True)


class SubmitRequestSerializer(SubmitOptionsSerializer):
    """For the schema: the multipart form of POST /api/v1/jobs."""

    image = serializers.FileField()


class JobListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)


class JobWaitQuerySerializer(serializers.Serializer):
    wait = serializers.FloatField(
        required=False,
        default=0,
        min_value=0,
        max_value=settings.JOB_WAIT_MAX,
        help_text=(
            "Seconds to hold the request until the job has succeeded or failed "
            f"(at most {settings.JOB_WAIT_MAX}); 0, the default, answers at once."
        ),
    )


# The job shapes declare every field rather than derive them from the model: a ModelSerializer
# introspects the model again each time one is created, which is every submit and every poll.
# Both start with these fields and share ``links``.
class _JobIdentitySerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_links(self, job: Job) -> dict:
        path = reverse("job-detail", args=[job.pk])
        request = self.context.get("request")
        return {"self": request.build_absolute_uri(path) if request else path}


class JobSerializer(_JobIdentitySerializer):
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    image = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    webhook_url = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    def get_image(self, job: Job) -> dict:
        meta = job.image_metadata or {}
        image = {
            "width": job.width,
            "height": job.height,
            "format": job.image_format,
            "content_type": job.content_type,
            "size_bytes": job.size_bytes,
            "sha256": job.sha256,
        }
        for field in ("brightness", "contrast", "sharpness"):
            if field in meta:
                image[field] = meta[field]
        return image

    def get_result(self, job: Job) -> dict | None:
        if job.status != JobStatus.SUCCEEDED:
            return None
        return {
            "face_count": job.face_count,
            "model": {"name": job.model_name, "version": job.model_version},
            "faces": job.faces or [],
            "timings_ms": {
                "queue": job.queue_ms,
                "inference": job.inference_ms,
                "total": job.total_ms,
            },
        }

    def get_error(self, job: Job) -> dict | None:
        if job.status != JobStatus.FAILED:
            return None
        return {"code": job.error_code, "message": job.error_message}

    def get_webhook_url(self, job: Job) -> str | None:
        return job.webhook_url or None

    def get_options(self, job: Job) -> dict:
        return {"min_confidence": job.min_confidence, "min_face_size": job.min_face_size}

    def get_feedback(self, job: Job) -> dict | None:
        """The current feedback on the job, or null."""
        current = getattr(job, "current_feedback", None)
        if current is None:  # not prefetched by the selector
            current = list(job.feedback_history.filter(superseded_at__isnull=True)[:1])
        return FeedbackSerializer(current[0]).data if current else None


class SubmittedJobSerializer(_JobIdentitySerializer):
    """The 202 answer to a submission."""

    links = serializers.SerializerMethodField()


class BoxSerializer(serializers.Serializer):
    x = serializers.IntegerField(min_value=0)
    y = serializers.IntegerField(min_value=0)
    width = serializers.IntegerField(min_value=1)
    height = serializers.IntegerField(min_value=1)


class FeedbackRequestSerializer(serializers.Serializer):
    """The body of POST /api/v1/jobs/{id}/feedback; indexes and boxes are checked against the
    job by the service."""

    correct = serializers.BooleanField()
    false_positives = serializers.ListField(
        child=serializers.IntegerField(min_value=0), required=False, max_length=1000
    )
    missed_faces = serializers.ListField(child=BoxSerializer(), required=False, max_length=1000)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, trim_whitespace=True
    )


class FeedbackSerializer(serializers.ModelSerializer):
    job_id = serializers.UUIDField(read_only=True)
    submitted_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Feedback
        fields = ["job_id", "correct", "false_positives", "missed_faces", "comment", "submitted_at"]
