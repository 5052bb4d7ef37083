"""Beat's report schedules live in the database (django-celery-beat), installed by a
migration: daily at 06:00 UTC, weekly on Monday, monthly on the 1st; staff change them in
the admin."""

import importlib
import json
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.test import Client
from django_celery_beat.models import PeriodicTask

from facedetect.celery import app

TASK = "workers.reports.send_scheduled_report"


@pytest.fixture(autouse=True)
def installed(db):
    """What the migration installed. A transactional test run earlier empties every table,
    so the migration's own (idempotent) step runs again: a no-op when the rows are there."""
    migration = importlib.import_module("insights.migrations.0004_report_schedules")
    migration.install(apps, None)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def schedule(name: str):
    return PeriodicTask.objects.get(name=name).crontab.schedule


def next_run(name: str, last_run_at: datetime) -> datetime:
    """When beat next fires the task after a run at ``last_run_at``."""
    return PeriodicTask.objects.get(name=name).crontab.due_start_time(last_run_at, UTC)


def test_each_report_has_a_periodic_task_with_its_period():
    tasks = PeriodicTask.objects.filter(task=TASK).order_by("name")
    assert [(t.name, json.loads(t.args), t.enabled) for t in tasks] == [
        ("report-daily", ["daily"], True),
        ("report-monthly", ["monthly"], True),
        ("report-weekly", ["weekly"], True),
    ]
    app.loader.import_default_modules()  # what a worker does at start-up
    assert TASK in app.tasks  # the worker knows the task that beat names


@pytest.mark.parametrize(
    ("name", "last_run_at", "expected"),
    [
        ("report-daily", utc(2026, 11, 24, 6, 0), utc(2026, 11, 25, 6, 0)),
        ("report-daily", utc(2026, 12, 31, 6, 0), utc(2027, 1, 1, 6, 0)),
        # Wednesday 25 November: next Monday, 30 November.
        ("report-weekly", utc(2026, 11, 25, 20, 0), utc(2026, 11, 30, 6, 0)),
        ("report-weekly", utc(2026, 11, 30, 6, 0), utc(2026, 12, 7, 6, 0)),
        ("report-monthly", utc(2026, 11, 1, 6, 0), utc(2026, 12, 1, 6, 0)),
        ("report-monthly", utc(2026, 12, 1, 6, 0), utc(2027, 1, 1, 6, 0)),
        ("report-monthly", utc(2027, 1, 31, 23, 0), utc(2027, 2, 1, 6, 0)),
    ],
)
def test_next_run_times(name, last_run_at, expected):
    assert next_run(name, last_run_at) == expected


def test_the_weekly_report_is_due_on_monday_morning_only():
    weekly = schedule("report-weekly")
    last_run = utc(2026, 11, 23, 6, 0)
    weekly.nowfun = lambda: utc(2026, 11, 30, 5, 59)  # Monday, a minute early
    assert weekly.is_due(last_run).is_due is False
    weekly.nowfun = lambda: utc(2026, 11, 30, 6, 0, 5)
    due = weekly.is_due(last_run)
    assert due.is_due is True
    assert due.next == 7 * 24 * 3600 - 5  # seconds until the Monday after


def test_staff_change_the_schedules_in_the_admin(django_user_model):
    admin = django_user_model.objects.create_superuser("root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/django_celery_beat/periodictask/")
    assert listing.status_code == 200
    for name in ("report-daily", "report-weekly", "report-monthly"):
        assert name in listing.content.decode()
    task = PeriodicTask.objects.get(name="report-daily")
    page = client.get(f"/admin/django_celery_beat/crontabschedule/{task.crontab_id}/change/")
    assert page.status_code == 200
