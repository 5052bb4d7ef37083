"""JSON answers for errors raised outside DRF views (unknown URLs, crashes)."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from facedetect.exceptions import error_body


def json_bad_request(request, exception=None) -> JsonResponse:
    # A Host not in ALLOWED_HOSTS, a form with too many fields or files...
    if isinstance(exception, RequestDataTooBig):  # form fields past DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse(
            error_body("request_too_large", "The form's fields are too large."), status=413
        )
    return JsonResponse(error_body("bad_request", "The request is malformed."), status=400)


def json_forbidden(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", "Forbidden."), status=403)


def json_not_found(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such resource."), status=404)


def json_server_error(request) -> JsonResponse:
    return JsonResponse(error_body("internal_error", "Internal server error."), status=500)
