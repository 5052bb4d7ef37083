"""Jobs: submission, state machine, results, input storage."""
