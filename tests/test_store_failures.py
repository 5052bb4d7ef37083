"""The local object store failing (full, read-only, unreadable) and the database refusing a
submission: a clear 503, nothing left behind, no job failed for the store's sake."""

import hashlib

import pytest
from django.db import OperationalError

from jobs.errors import StoreUnavailable
from jobs.models import Job
from jobs.storage import LocalObjectStore, ObjectMissing
from tests.conftest import post_image

pytestmark = pytest.mark.django_db


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_store_that_cannot_write_is_a_503_and_leaves_no_file(account, photo, settings, tmp_path):
    # A file where the account's folder should go: the write fails as on a full or read-only
    # disk (tests run as root, for whom permissions never fail).
    _, _, client = account
    root = tmp_path / "objects"
    root.mkdir()
    (root / "inputs").write_text("in the way")
    settings.OBJECT_STORE_DIR = root
    response = post_image(client, photo("ivan.jpg"))
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "object_store_unavailable"
    assert not Job.objects.exists()
    assert stored_files(root) == [root / "inputs"]


def test_an_object_that_cannot_be_read_is_unavailable_not_missing(tmp_path):
    store = LocalObjectStore(tmp_path)
    data = b"\xff\xd8 not really"
    store.put(
        "inputs/a.jpg", data, content_type="image/jpeg", sha256=hashlib.sha256(data).hexdigest()
    )
    (tmp_path / "inputs" / "a.jpg").unlink()
    (tmp_path / "inputs" / "a.jpg").mkdir()  # unreadable as a file: IsADirectoryError
    with pytest.raises(StoreUnavailable):
        store.get("inputs/a.jpg")
    with pytest.raises(ObjectMissing):
        store.get("inputs/never-written.jpg")


def test_a_submission_the_database_refuses_leaves_no_image(account, photo, settings, monkeypatch):
    _, _, client = account
    root = settings.OBJECT_STORE_DIR

    def locked(self, *args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Job, "save", locked)
    with pytest.raises(OperationalError):
        post_image(client, photo("ivan.jpg"))
    assert stored_files(root) == []
