"""Database connections in the workers: kept from one task to the next, as Django keeps them
from one request to the next.

Celery's Django fix-up closes every connection before and after each task unless
CELERY_DB_REUSE_MAX is set, so each job opened a new connection: 1-2 ms of CPU on SQLite, a new
server process on PostgreSQL. With it set (settings.py), these handlers do what Django does
around a request: close a connection only when it has outlived CONN_MAX_AGE or is broken.
"""

from __future__ import annotations

from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections


@task_prerun.connect
def _before_task(task=None, **kwargs) -> None:
    _close_old_connections(task)


@task_postrun.connect
def _after_task(task=None, **kwargs) -> None:
    _close_old_connections(task)


def _close_old_connections(task) -> None:
    # Not for a task run in the caller's thread (apply(), eager mode): the caller's connection
    # and its open transaction are not the worker's to close.
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
