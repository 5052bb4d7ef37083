"""Submitting a job: 202 at once, the image stored, and every bad input refused clearly."""

import io

import pytest
from PIL import Image

from jobs.models import Job
from jobs.storage import get_object_store
from tests.conftest import post_image
from tests.images import encode, png_bomb

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]


def test_submit_answers_202_with_the_job_and_stores_the_image(account, photo):
    user, _, client = account
    data = photo("multiface.jpg")
    response = post_image(client, data)
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "status", "created_at", "links"} and body["status"] == "queued"
    assert response["Location"].endswith(f"/api/v1/jobs/{body['id']}")
    job = Job.objects.get(pk=body["id"])
    assert job.user == user and (job.width, job.height, job.image_format) == (1200, 630, "JPEG")
    assert get_object_store().get(job.object_key) == data
    assert job.object_key.startswith(f"inputs/{job.created_at:%Y/%m/%d}/{user.pk}/{job.pk}")


def test_raw_image_body_is_accepted(account, photo):
    _, _, client = account
    response = client.post(
        "/api/v1/jobs?min_confidence=0.95", photo("ivan.jpg"), content_type="image/jpeg"
    )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.min_confidence == 0.95 and job.width == 561


def test_job_is_polled_while_queued(account, photo):
    _, _, client = account
    job_id = post_image(client, photo("ivan.jpg")).json()["id"]
    body = client.get(f"/api/v1/jobs/{job_id}").json()
    assert body["status"] == "queued" and body["result"] is None and body["error"] is None
    assert body["image"]["width"] == 561 and len(body["image"]["sha256"]) == 64


def test_text_named_jpg_is_415(account):
    _, _, client = account
    assert_error(post_image(client, b"just some text\n" * 50), 415, "unsupported_media_type")


def test_truncated_jpeg_is_400(account, photo):
    _, _, client = account
    data = photo("multiface.jpg")
    assert_error(post_image(client, data[: len(data) // 3]), 400, "invalid_image")


def test_decompression_bomb_is_413(account):
    _, _, client = account
    assert_error(post_image(client, png_bomb(), "bomb.png"), 413, "image_too_large")


def test_more_pixels_than_the_limit_is_413(account, settings):
    _, _, client = account
    settings.MAX_IMAGE_PIXELS = 100 * 100
    data = encode(Image.new("RGB", (101, 100)), "PNG")
    assert_error(post_image(client, data, "big.png"), 413, "image_too_large")


def test_upload_over_the_byte_limit_is_413(account, settings, photo):
    _, _, client = account
    settings.MAX_UPLOAD_BYTES = 100_000
    assert len(photo("paul_rudd.jpg")) > 100_000
    assert_error(post_image(client, photo("paul_rudd.jpg")), 413, "upload_too_large")
    raw = client.post("/api/v1/jobs", photo("paul_rudd.jpg"), content_type="image/jpeg")
    assert_error(raw, 413, "upload_too_large")
    assert Job.objects.count() == 0


def test_declared_length_over_the_limit_is_refused_before_reading(account, settings):
    _, _, client = account
    settings.MAX_UPLOAD_BYTES = 1000

    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body must not be read")

    response = client.generic(
        "POST", "/api/v1/jobs", b"", content_type="image/jpeg", CONTENT_LENGTH="5000000000",
        **{"wsgi.input": Unreadable()},
    )  # fmt: skip
    assert_error(response, 413, "upload_too_large")


def test_a_chunked_upload_is_411_not_an_empty_image(account, photo):
    # Django reads a body without a length as empty; the client is told what to change.
    _, _, client = account
    response = client.generic(
        "POST",
        "/api/v1/jobs",
        photo("ivan.jpg"),
        content_type="image/jpeg",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert_error(response, 411, "length_required")


def test_an_empty_raw_body_is_a_missing_image(account):
    _, _, client = account
    response = client.post("/api/v1/jobs", b"", content_type="image/jpeg")
    assert_error(response, 400, "missing_image")


def test_missing_image_field_is_400(account):
    _, _, client = account
    response = client.post("/api/v1/jobs", {"min_confidence": "0.5"}, format="multipart")
    assert_error(response, 400, "missing_image")


def test_json_body_is_415(account):
    _, _, client = account
    response = client.post("/api/v1/jobs", {"image": "aGVsbG8="}, format="json")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "fields",
    [
        {"min_confidence": "1.5"},
        {"min_confidence": "high"},
        {"min_face_size": "0"},
        {"webhook_url": "ftp://x/y"},
    ],
)
def test_invalid_options_are_400(account, photo, fields):
    _, _, client = account
    response = post_image(client, photo("no-faces.jpg"), **fields)
    assert response.status_code == 400
    assert Job.objects.count() == 0


def test_no_job_exists_after_a_refused_upload(account):
    _, _, client = account
    post_image(client, b"GIF89a broken")
    assert Job.objects.count() == 0


def test_unauthenticated_submit_is_401(api_client, photo):
    response = post_image(api_client(), photo("no-faces.jpg"))
    assert response.status_code == 401


def test_same_idempotency_key_and_body_returns_the_same_job(account, photo):
    _, _, client = account
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-42"}
    first = post_image(client, photo("ivan.jpg"), headers=headers)
    second = post_image(client, photo("ivan.jpg"), headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Job.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_409(account, photo):
    _, _, client = account
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-43"}
    post_image(client, photo("ivan.jpg"), headers=headers)
    other = post_image(client, photo("no-faces.jpg"), headers=headers)
    assert_error(other, 409, "idempotency_key_reused")
    options = post_image(client, photo("ivan.jpg"), headers=headers, min_confidence="0.9")
    assert_error(options, 409, "idempotency_key_reused")


def test_idempotency_keys_are_per_account(make_account, api_client, photo):
    _, key_a = make_account()
    _, key_b = make_account()
    headers = {"HTTP_IDEMPOTENCY_KEY": "shared"}
    a = post_image(api_client(key_a), photo("ivan.jpg"), headers=headers).json()["id"]
    b = post_image(api_client(key_b), photo("ivan.jpg"), headers=headers).json()["id"]
    assert a != b
