"""The worker keeps its database connection from one job to the next (Celery's Django fix-up
would otherwise close it around every task, and each job would open a new one)."""

import threading

import pytest
from django.db.backends.signals import connection_created

from tests.conftest import submit_and_wait

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
            assert submit_and_wait(client, photo("ivan.jpg"), "ivan.jpg")["status"] == "succeeded"
    finally:
        connection_created.disconnect(count)
    # At most the first job opens one (if the worker had none yet); none after it.
    assert len(opened_by_worker) <= 1, opened_by_worker
