"""The ``Prefer`` request header (RFC 7240), of which the jobs API honours ``wait``.

``POST /api/v1/jobs`` with ``Prefer: wait=10`` holds the submission until the job has finished
(or 10 s have passed), so that a client that wants the faces at once gets them in the answer to
its one request, instead of submitting and then asking for the result.

As the RFC asks, a preference the server does not know, or one whose value is not valid, is
ignored rather than refused: ``Prefer`` never turns a good request into an error.
"""

from __future__ import annotations


def wait_preference(header: str | None, *, limit: float) -> float:
    """Seconds the client prefers to wait (``wait=N``, delta-seconds), at most ``limit``;
    0 when the header asks for no wait, or for one that is not a whole number of seconds.

    Several ``Prefer`` headers arrive joined by commas; the first ``wait`` counts (RFC 7240,
    section 2: a client should not send a preference twice, a server uses the first).
    """
    for preference in (header or "").split(","):
        token, _, value = preference.split(";", 1)[0].partition("=")
        if token.strip().lower() != "wait":
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':  # the grammar allows quoting
            value = value[1:-1]
        if not (value.isascii() and value.isdigit()):
            return 0.0
        # A long run of digits is simply more than the limit (and int() refuses 4,300 digits);
        # leading zeros add nothing ("0005" is 5, "0000000000" is no wait).
        digits = value.lstrip("0") or "0"
        return float(min(int(digits), limit)) if len(digits) <= 9 else float(limit)
    return 0.0


def applied_wait(seconds: float) -> str:
    """The ``Preference-Applied`` value for a wait of ``seconds``."""
    return f"wait={seconds:g}"
