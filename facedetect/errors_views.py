"""JSON answers for errors raised outside DRF views (unknown URLs, crashes)."""

from django.http import JsonResponse

from facedetect.exceptions import error_body


def json_not_found(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such resource."), status=404)


def json_server_error(request) -> JsonResponse:
    return JsonResponse(error_body("internal_error", "Internal server error."), status=500)
