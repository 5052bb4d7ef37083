"""Celery tasks: thin wrappers that call the apps' services."""
