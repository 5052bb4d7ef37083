"""A broker that accepts connections and never answers (stalled, failed over) must not hold a
submission: the publish gives up, the job stays committed, the sweeper sends it later."""

import socket
import threading
import time

import pytest
from celery import Celery
from django.conf import settings

from jobs import queueing


@pytest.fixture
def stalled_broker():
    """A TCP server that accepts and reads, and never writes a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            held.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(5)
    for connection in held:
        connection.close()
    server.close()


def test_a_publish_to_a_stalled_broker_gives_up_in_seconds(stalled_broker, monkeypatch):
    app = Celery(
        "stall-test",
        broker=stalled_broker,
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )
    monkeypatch.setattr(queueing, "current_app", app)
    outcome = {}

    def publish():
        started = time.monotonic()
        outcome["sent"] = queueing.enqueue_task("workers.tasks.detect_faces", args=["x"])
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    thread.join(60)  # without a socket timeout it would wait for as long as the stall
    assert not thread.is_alive(), "the publish is still waiting on the stalled broker"
    assert outcome["sent"] is False
    assert outcome["seconds"] < 30, outcome
