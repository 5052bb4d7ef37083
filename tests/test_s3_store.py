"""Inputs in S3: boto3 over HTTP against moto's server, as against MinIO or AWS."""

import hashlib
import uuid

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from moto.core.authorization import enable_iam_authentication

from jobs.models import Job
from jobs.storage import ObjectMissing, get_object_store
from tests.conftest import submit_and_wait, submit_image, wait_for_job, wait_until

PREFIX = "facedetect"


@pytest.fixture
def s3(moto_endpoint, aws_credentials, settings):
    """A fresh bucket, and the service configured to use it; returns a boto3 client."""
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    bucket = f"inputs-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    settings.S3_BUCKET, settings.S3_PREFIX = bucket, PREFIX
    settings.S3_ENDPOINT_URL = moto_endpoint
    client.bucket = bucket
    return client


def keys(s3) -> list[str]:
    listing = s3.list_objects_v2(Bucket=s3.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_an_object_carries_its_content_type_and_checksum(s3):
    data = b"\xff\xd8 not really a jpeg"
    digest = hashlib.sha256(data)
    store = get_object_store()
    store.put("inputs/a.jpg", data, content_type="image/jpeg", sha256=digest.hexdigest())
    head = s3.head_object(Bucket=s3.bucket, Key=f"{PREFIX}/inputs/a.jpg")
    assert head["ContentType"] == "image/jpeg"
    # moto neither verifies nor returns S3's ChecksumSHA256 (AWS and MinIO do): the digest is
    # checked here through the object's own metadata.
    assert head["Metadata"] == {"sha256": digest.hexdigest()}
    assert store.get("inputs/a.jpg") == data
    assert store.metadata("inputs/a.jpg")["size"] == len(data)


def test_a_missing_object_is_object_missing_and_deleting_twice_is_fine(s3):
    store = get_object_store()
    with pytest.raises(ObjectMissing):
        store.get("inputs/nothing.jpg")
    store.put("inputs/b.png", b"x", content_type="image/png", sha256="0" * 64)
    store.delete("inputs/b.png")
    store.delete("inputs/b.png")
    assert keys(s3) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_job_runs_through_the_worker_with_its_image_in_s3(s3, account, photo, settings):
    user, _, client = account
    job_id = submit_image(client, photo("ivan.jpg"))["id"]
    job = wait_for_job(client, job_id)
    assert job["status"] == "succeeded" and job["result"]["face_count"] == 2
    created = Job.objects.get(pk=job_id).created_at
    key = f"{PREFIX}/inputs/{created:%Y/%m/%d}/{user.pk}/{job_id}.jpg"
    assert keys(s3) == [key]
    assert s3.get_object(Bucket=s3.bucket, Key=key)["Body"].read() == photo("ivan.jpg")
    assert not settings.OBJECT_STORE_DIR.exists()  # nothing went to the local folder


@pytest.mark.django_db(transaction=True)
def test_deleting_a_job_deletes_its_object(s3, account, photo):
    _, _, client = account
    job_id = submit_image(client, photo("no-faces.jpg"))["id"]
    assert len(keys(s3)) == 1
    assert client.delete(f"/api/v1/jobs/{job_id}").status_code == 204
    assert keys(s3) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_deleting_an_account_deletes_its_objects(s3, make_account, api_client, photo):
    user, raw = make_account()
    client = api_client(raw)
    for name in ("ivan.jpg", "no-faces.jpg"):
        submit_and_wait(client, photo(name))
    _, other_raw = make_account()
    other_job = submit_image(api_client(other_raw), photo("paul_rudd.jpg"))["id"]
    assert len(keys(s3)) == 3

    assert client.delete("/api/v1/accounts/me").status_code == 202
    User = get_user_model()
    wait_until(lambda: not User.objects.filter(pk=user.pk).exists(), message="not purged")
    remaining = keys(s3)
    assert len(remaining) == 1 and remaining[0].endswith(f"/{other_job}.jpg")


@pytest.mark.django_db
def test_a_missing_bucket_makes_readyz_fail_with_a_clear_message(s3, settings, client, caplog):
    settings.S3_BUCKET = "no-such-bucket"
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"]["object_store"]
    assert check == {"ok": False, "error": "StoreUnavailable"}  # the bucket's name is logged
    assert "the bucket 'no-such-bucket' does not exist" in caplog.text


@pytest.mark.django_db
def test_denied_access_makes_readyz_fail_with_a_clear_message(s3, client, caplog):
    # moto's server then checks credentials like IAM does: ours are unknown to it.
    with enable_iam_authentication():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["object_store"]["error"] == "StoreUnavailable"
    assert "access denied" in caplog.text and "check the AWS credentials" in caplog.text


@pytest.mark.django_db
def test_a_reachable_bucket_is_ready(s3, client):
    response = client.get("/readyz")
    assert response.json()["checks"]["object_store"] == {"ok": True}


def test_checkstore_fails_loudly_on_a_missing_bucket(s3, settings):
    settings.S3_BUCKET = "no-such-bucket"
    with pytest.raises(CommandError, match="the bucket 'no-such-bucket' does not exist"):
        call_command("checkstore")


def test_checkstore_passes_and_leaves_nothing_behind(s3, capsys):
    call_command("checkstore")
    assert f"object store ok: S3 bucket s3://{s3.bucket}/{PREFIX}" in capsys.readouterr().out
    assert keys(s3) == []


def test_an_unreachable_endpoint_is_a_clear_error(s3, settings):
    settings.S3_ENDPOINT_URL = "http://127.0.0.1:9"
    with pytest.raises(CommandError, match="cannot reach S3"):
        call_command("checkstore")
