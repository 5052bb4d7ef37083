"""facedetect project package: settings, urls and the Celery app."""

from facedetect.celery import app as celery_app

__all__ = ("celery_app",)
