"""The one place where errors become HTTP: ``{"error": {"code", "message", "detail"}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ml.errors import CorruptImageError, ImageError, ImageTooLargeError, UnsupportedImageError

_IMAGE_STATUS = {
    UnsupportedImageError: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    CorruptImageError: status.HTTP_400_BAD_REQUEST,
    ImageTooLargeError: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "validation_error",
}


def error_body(code: str, message: str, detail=None) -> dict:
    """The JSON error shape of DESIGN.md."""
    return {"error": {"code": code, "message": message, "detail": detail}}


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: domain errors, image errors and DRF's own, one shape."""
    if isinstance(exc, ImageError):
        http_status = _IMAGE_STATUS.get(type(exc), status.HTTP_400_BAD_REQUEST)
        return Response(error_body(exc.code, exc.message), status=http_status)
    if hasattr(exc, "http_status") and hasattr(exc, "code") and hasattr(exc, "message"):
        retry_after = getattr(exc, "retry_after", None)  # a 503 that passes says so
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return Response(error_body(exc.code, exc.message), status=exc.http_status, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handling and logging take over
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        code = exc.default_code if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(exc, exceptions.ValidationError):
        message, detail = "The request is invalid.", response.data
    else:
        message, detail = str(getattr(exc, "detail", exc)), None
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        detail = {"retry_after_seconds": int(exc.wait + 0.999)}
    response.data = error_body(code, message, detail)
    return response
