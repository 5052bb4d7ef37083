"""The worker keeps its database connection from one job to the next (Celery's Django fix-up
would otherwise close it around every task, and each job would open a new one)."""

import io
import threading

import pytest
from django.db.backends.signals import connection_created

from tests.conftest import wait_for_job

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def test_the_worker_reuses_its_database_connection(account, photo):
    _, _, client = account
    test_thread = threading.get_ident()
    opened_by_worker = []

    def count(sender, connection, **kwargs) -> None:
        if threading.get_ident() != test_thread:
            opened_by_worker.append(connection.alias)

    connection_created.connect(count)
    try:
        for _ in range(4):
            upload = io.BytesIO(photo("ivan.jpg"))
            upload.name = "ivan.jpg"
            submitted = client.post("/api/v1/jobs", {"image": upload}, format="multipart")
            assert wait_for_job(client, submitted.json()["id"])["status"] == "succeeded"
    finally:
        connection_created.disconnect(count)
    # At most the first job opens one (if the worker had none yet); none after it.
    assert len(opened_by_worker) <= 1, opened_by_worker
