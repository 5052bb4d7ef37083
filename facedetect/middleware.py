"""Middleware of our own: refusals that hold for every endpoint, before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from facedetect.exceptions import error_body


class RequireContentLength:
    """411 for a body sent without a length (``Transfer-Encoding: chunked``).

    Under WSGI Django reads such a body as empty: a chunked image upload was answered as if no
    image had been sent, and a chunked JSON body was dropped while the request went on (a key
    created with no name). Every body this API takes has a length the client knows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return JsonResponse(
                error_body(
                    "length_required",
                    "Send the body with a Content-Length; chunked bodies are not read.",
                ),
                status=411,
            )
        return self.get_response(request)
