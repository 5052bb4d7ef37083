"""Celery tasks of webhook delivery, routed to the `webhooks` queue (a worker of its own, so
that a slow receiver never holds up detection). Thin wrappers over jobs.webhooks.dispatch."""

from __future__ import annotations

from celery import shared_task

from jobs.webhooks import dispatch


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: str) -> None:
    """Make the next attempt of a delivery if it is due and no other worker holds it."""
    dispatch.deliver(delivery_id=delivery_id)


@shared_task
def enqueue_due_webhooks() -> int:
    """Send the deliveries whose retry is due to the queue (beat, every 5 s)."""
    return dispatch.enqueue_due_deliveries()
