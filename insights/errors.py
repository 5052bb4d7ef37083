"""Domain errors of the insights app; facedetect.exceptions maps them to HTTP."""


class InsightsError(Exception):
    http_status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SinkUnavailable(InsightsError):
    """The sink could not be reached or refused the whole request; nothing was written."""

    http_status = 503
    code = "insights_sink_unavailable"


class InvalidWindow(InsightsError):
    http_status = 400
    code = "invalid_window"
