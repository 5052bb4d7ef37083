"""The report schedules, in the database where Django admin can change them: daily at 06:00
UTC, weekly on Monday at 06:00 UTC, monthly on the 1st at 06:00 UTC. Each fires
workers.reports.send_scheduled_report with its period; the task sends the period ending at
00:00 UTC that day."""

import json

from django.db import migrations

TASK = "workers.reports.send_scheduled_report"
SCHEDULES = {
    "report-daily": ("daily", {"day_of_week": "*", "day_of_month": "*"}),
    "report-weekly": ("weekly", {"day_of_week": "1", "day_of_month": "*"}),
    "report-monthly": ("monthly", {"day_of_week": "*", "day_of_month": "1"}),
}


def install(apps, schema_editor):
    crontabs = apps.get_model("django_celery_beat", "CrontabSchedule")
    tasks = apps.get_model("django_celery_beat", "PeriodicTask")
    changed = False
    for name, (kind, days) in SCHEDULES.items():
        if tasks.objects.filter(name=name).exists():
            continue  # installed before: keep what staff changed in the admin
        crontab, _ = crontabs.objects.get_or_create(
            minute="0", hour="6", month_of_year="*", timezone="UTC", **days
        )
        tasks.objects.create(
            name=name,
            task=TASK,
            crontab=crontab,
            args=json.dumps([kind]),
            description=f"Email the {kind} insights report (insights/reports).",
        )
        changed = True
    if changed:
        # Tell a running beat (DatabaseScheduler) to reload its schedule.
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
            ident=1, defaults={"last_update": _now()}
        )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=SCHEDULES, task=TASK
    ).delete()


def _now():
    from django.utils import timezone

    return timezone.now()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0003_report_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
