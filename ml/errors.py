"""Errors raised for images that cannot be processed; each carries a stable code."""


class ImageError(Exception):
    """Base class: an input image we refuse, with a machine-readable code."""

    code = "invalid_image"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedImageError(ImageError):
    """The bytes are not an image in a format we accept (text named .jpg, PDF, ...)."""

    code = "unsupported_media_type"


class CorruptImageError(ImageError):
    """A supported format whose data is broken or truncated."""

    code = "invalid_image"


class ImageTooLargeError(ImageError):
    """More pixels than allowed, decompression bombs included."""

    code = "image_too_large"
