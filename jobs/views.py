"""The jobs API. Thin: parsing and shapes here, work in services and selectors."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.clients import client_from_request
from facedetect.parsers import LimitedJSONParser
from jobs import preferences, selectors, services, waiting
from jobs.errors import JobNotFound, MissingImage, UploadTooLarge
from jobs.models import TERMINAL_STATUSES, Job
from jobs.pagination import NewestFirstPagination
from jobs.serializers import (
    FeedbackRequestSerializer,
    FeedbackSerializer,
    JobListQuerySerializer,
    JobSerializer,
    JobWaitQuerySerializer,
    SubmitOptionsSerializer,
    SubmitRequestSerializer,
    SubmittedJobSerializer,
)
from jobs.uploads import check_declared_length, read_limited
from ml.errors import UnsupportedImageError


class JobListView(APIView):
    parser_classes = [MultiPartParser, LimitedJSONParser]

    @property
    def throttle_scope(self) -> str:
        # Submissions count against the jobs rate; listing against the larger api one.
        return "jobs" if self.request.method == "POST" else "api"

    @extend_schema(
        request={"multipart/form-data": SubmitRequestSerializer, "image/*": bytes},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER),
            OpenApiParameter(
                "Prefer",
                str,
                OpenApiParameter.HEADER,
                description=(
                    "`wait=N` (RFC 7240): hold the request until the job has succeeded or "
                    f"failed, at most N seconds (up to {settings.JOB_WAIT_MAX}); a finished "
                    "job is answered 201 with its result, one still running 202."
                ),
            ),
        ],
        responses={201: JobSerializer, 202: SubmittedJobSerializer},
    )
    def post(self, request):
        check_declared_length(request)
        wait = preferences.wait_preference(
            request.headers.get("Prefer"), limit=settings.JOB_WAIT_MAX
        )
        # The upload is read, checked and stored in here, and not held while the request waits.
        job, created = _submit(request)
        headers = {}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        if wait:
            job, waited = _wait_after_submit(request.user, job, wait)
            if waited:
                headers["Preference-Applied"] = preferences.applied_wait(wait)
            if job.status in TERMINAL_STATUSES:
                body = JobSerializer(job, context={"request": request}).data
                headers["Location"] = body["links"]["self"]
                return Response(body, status=status.HTTP_201_CREATED, headers=headers)
        body = SubmittedJobSerializer(job, context={"request": request}).data
        headers["Location"] = body["links"]["self"]
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)

    @extend_schema(parameters=[JobListQuerySerializer], responses={200: JobSerializer(many=True)})
    def get(self, request):
        query = JobListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        jobs = selectors.jobs_of(request.user, status=query.validated_data.get("status"))
        paginator = NewestFirstPagination()
        page = paginator.paginate_queryset(jobs, request, view=self)
        data = JobSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


def _submit(request) -> tuple[Job, bool]:
    idempotency_key = _idempotency_key(request)
    data, fields = _read_submission(request)
    job_options = services.JobOptions()
    if fields:
        options = SubmitOptionsSerializer(data=fields)
        options.is_valid(raise_exception=True)
        job_options = services.JobOptions(**options.validated_data)
    return services.submit_job(
        user=request.user,
        api_key_prefix=request.auth.prefix,
        data=data,
        options=job_options,
        idempotency_key=idempotency_key,
        client=client_from_request(request),
    )


IDEMPOTENCY_KEY_MAX = 255  # the column's length


def _idempotency_key(request) -> str | None:
    """The Idempotency-Key header, or None. A longer key is refused, not cut: two keys that
    differed only past the cut were the same key (a 409, or another request's job)."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [f"At most {IDEMPOTENCY_KEY_MAX} characters."]}
        )
    return key or None


def _wait_after_submit(user, job: Job, seconds: float) -> tuple[Job, bool]:
    """(job, waited) as ``waiting.wait_for_job``; the job as submitted if it was deleted in
    the meantime: the submission itself succeeded, so it is not answered with a 404."""
    try:
        return waiting.wait_for_job(user, job.pk, timeout=seconds)
    except JobNotFound:
        return job, False


def _read_submission(request) -> tuple[bytes, dict]:
    """The image bytes and option fields of a multipart or raw ``image/*`` submission."""
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type.startswith("image/") or content_type == "application/octet-stream":
        data = read_limited(request._request, settings.MAX_UPLOAD_BYTES)
        if not data:
            raise MissingImage("The request body is empty: send the image's bytes.")
        return data, request.query_params.dict()
    if content_type != "multipart/form-data":
        raise UnsupportedImageError(
            "Send the image as multipart/form-data (field 'image') or as a raw image/* body."
        )
    files = request.FILES  # parses the body through the upload handlers
    if getattr(request._request, "upload_too_large", False):
        raise UploadTooLarge("The upload is larger than the limit.")
    upload = files.get("image")
    if upload is None:
        raise MissingImage("No 'image' file in the form.")
    with upload:  # closing it frees the parser's in-memory copy
        data = upload.read()
    if not data:
        raise MissingImage("The 'image' file is empty: send the image's bytes.")
    return data, {k: v for k, v in request.data.items() if k != "image"}


class JobDetailView(APIView):
    @extend_schema(parameters=[JobWaitQuerySerializer], responses={200: JobSerializer})
    def get(self, request, job_id):
        query = JobWaitQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        headers = {}
        if query.validated_data["wait"]:
            job, waited = waiting.wait_for_job(
                request.user, job_id, timeout=query.validated_data["wait"]
            )
            if not waited and job.status not in TERMINAL_STATUSES:
                headers["Retry-After"] = "1"  # too many waiting here: poll again shortly
        else:
            job = selectors.get_job(request.user, job_id)
        return Response(JobSerializer(job, context={"request": request}).data, headers=headers)

    @extend_schema(responses={204: None})
    def delete(self, request, job_id):
        services.delete_job(user=request.user, job_id=job_id, client=client_from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobFeedbackView(APIView):
    @extend_schema(request=FeedbackRequestSerializer, responses={201: FeedbackSerializer})
    def post(self, request, job_id):
        body = FeedbackRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        feedback = services.submit_feedback(
            user=request.user,
            job_id=job_id,
            feedback=services.FeedbackInput(**body.validated_data),
            client=client_from_request(request),
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)
