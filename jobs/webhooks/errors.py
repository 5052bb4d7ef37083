"""Domain errors of webhooks; facedetect.exceptions maps them to HTTP."""

from jobs.errors import JobError


class EndpointNotFound(JobError):
    http_status = 404
    code = "not_found"


class DeliveryNotFound(JobError):
    http_status = 404
    code = "not_found"


class TooManyEndpoints(JobError):
    http_status = 409
    code = "too_many_endpoints"


class EndpointDisabled(JobError):
    http_status = 409
    code = "endpoint_disabled"


class DeliveryInProgress(JobError):
    http_status = 409
    code = "delivery_in_progress"
