"""Domain errors of the jobs app; facedetect.exceptions maps them to HTTP."""


class JobError(Exception):
    http_status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JobNotFound(JobError):
    http_status = 404
    code = "not_found"


class IdempotencyConflict(JobError):
    http_status = 409
    code = "idempotency_key_reused"


class UploadTooLarge(JobError):
    http_status = 413
    code = "upload_too_large"


class MissingImage(JobError):
    http_status = 400
    code = "missing_image"


class InvalidWebhookUrl(JobError):
    http_status = 400
    code = "invalid_webhook_url"


class WebhookHostUnresolved(InvalidWebhookUrl):
    """A 400 at submit; at delivery, a network error worth a retry."""


class DecoderBusy(JobError):
    """Every pixel of this process's decode budget is in use (jobs/decode_budget.py)."""

    http_status = 503
    code = "busy"
    retry_after = 2


class StoreUnavailable(JobError):
    http_status = 503
    code = "object_store_unavailable"


class JobNotFinished(JobError):
    http_status = 409
    code = "job_not_finished"


class JobFailed(JobError):
    http_status = 409
    code = "job_failed"


class InvalidFeedback(JobError):
    http_status = 400
    code = "invalid_feedback"


class InvalidSelection(JobError):
    http_status = 400
    code = "invalid_selection"


class ExportNotFound(JobError):
    http_status = 404
    code = "not_found"
