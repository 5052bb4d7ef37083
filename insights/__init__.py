"""Events (an outbox written with each change), sinks, aggregations and reports."""
