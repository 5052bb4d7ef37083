"""Upload limits enforced while the body streams in, before it is all read."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from facedetect.parsers import declared_length
from jobs.errors import UploadTooLarge

# Room for multipart boundaries and the small text fields beside the image.
MULTIPART_OVERHEAD = 64 * 1024


def check_declared_length(request) -> None:
    """Refuse a body whose declared length is over the limit without reading any of it (one
    sent without a length never gets here: facedetect.middleware.RequireContentLength)."""
    if declared_length(request.META) > settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        raise UploadTooLarge(_too_large_message())


def read_limited(stream, limit: int) -> bytes:
    """Read a raw body, refusing it as soon as it passes ``limit`` bytes."""
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(64 * 1024, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(_too_large_message())


def _too_large_message() -> str:
    return f"The upload is larger than {settings.MAX_UPLOAD_BYTES} bytes."


class LimitedUploadHandler(FileUploadHandler):
    """Stops a multipart upload once a file passes MAX_UPLOAD_BYTES, whatever its declared
    length said."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
