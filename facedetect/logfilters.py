"""Logging filters of the console handler."""

from __future__ import annotations

import logging


class ClientErrorsAsWarnings(logging.Filter):
    """Django logs each request it refuses as suspicious (a Host not in ALLOWED_HOSTS, too many
    form fields or files, a body over its limit) to ``django.security.*`` as an ERROR with a
    traceback: any client could fill the log with them, and alerts on ERROR would page someone
    for a bot. They are the client's errors, answered with a 4xx: one WARNING line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
