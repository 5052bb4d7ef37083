"""Request body parsers of the API."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


def declared_length(meta) -> int:
    """The body length a request declares (CONTENT_LENGTH); 0 when absent or not a number."""
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is too large."


class LimitedJSONParser(JSONParser):
    """DRF's JSONParser, refusing a body over MAX_JSON_BYTES before reading any of it.

    DRF reads the request stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies
    to JSON: without this a client (sign-up and recovery need no key) could make a web process
    read and parse a gigabyte. Django reads no further than the declared length.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        meta = request.META if request is not None else {}
        if declared_length(meta) > settings.MAX_JSON_BYTES:
            raise BodyTooLarge(f"A JSON body may be at most {settings.MAX_JSON_BYTES} bytes.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # '[' * 5000: json gives up past the interpreter's depth
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
