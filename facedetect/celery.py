"""The Celery application. Tasks live in workers/tasks.py, workers/events.py,
workers/webhooks.py and workers/reports.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facedetect.settings")

app = Celery("facedetect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"])
app.autodiscover_tasks(["workers"], related_name="events")
app.autodiscover_tasks(["workers"], related_name="webhooks")
app.autodiscover_tasks(["workers"], related_name="reports")
app.autodiscover_tasks(["workers"], related_name="db")  # connection handling around tasks
