"""The event types of DESIGN.md's events table."""

INPUT_RECEIVED = "input.received"
OUTPUT_PRODUCED = "output.produced"
USER_SIGNED_UP = "user.signed_up"
USER_LOGGED_IN = "user.logged_in"
USER_KEY_CREATED = "user.key_created"
USER_KEY_REVOKED = "user.key_revoked"
USER_KEY_RECOVERED = "user.key_recovered"
USER_ACCOUNT_DELETED = "user.account_deleted"
JOB_SUBMITTED = "job.submitted"
JOB_DELETED = "job.deleted"
FEEDBACK_SUBMITTED = "feedback.submitted"

EVENT_TYPES = frozenset(
    {
        INPUT_RECEIVED,
        OUTPUT_PRODUCED,
        USER_SIGNED_UP,
        USER_LOGGED_IN,
        USER_KEY_CREATED,
        USER_KEY_REVOKED,
        USER_KEY_RECOVERED,
        USER_ACCOUNT_DELETED,
        JOB_SUBMITTED,
        JOB_DELETED,
        FEEDBACK_SUBMITTED,
    }
)


def family(event_type: str) -> str:
    """The family an event belongs to (input, output, user, job, feedback)."""
    return event_type.split(".", 1)[0]
