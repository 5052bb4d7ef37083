"""Domain errors of the reports; facedetect.exceptions maps them to HTTP."""

from insights.errors import InsightsError


class ReportNotSent(InsightsError):
    """Building or sending a report failed; its run is marked failed and may be retried."""

    http_status = 503
    code = "report_not_sent"
