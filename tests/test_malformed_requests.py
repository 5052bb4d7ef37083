"""Malformed requests found by a black-box run against `make run`: each gets a clear 4xx in
the documented shape, never a 500 and never a request that goes on with part of it missing."""

import base64
import io
import json
import logging

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from jobs.datasets.selection import MAX_LIMIT
from jobs.models import Job
from tests.conftest import post_image, submit_image

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def test_a_chunked_json_body_is_411_not_an_empty_one(account):
    # Django reads a body without a length as empty: the key was created with no name.
    user, _, client = account
    keys_before = ApiKey.objects.filter(user=user).count()
    response = client.generic(
        "POST", "/api/v1/keys", json.dumps({"name": "chunky"}),
        content_type="application/json", HTTP_TRANSFER_ENCODING="chunked",
    )  # fmt: skip
    assert_error(response, 411, "length_required")
    assert ApiKey.objects.filter(user=user).count() == keys_before


def test_json_nested_past_the_parsers_depth_is_a_parse_error():
    body = "[" * 5000 + "]" * 5000
    for url in ("/api/v1/accounts/signup", "/api/v1/accounts/recover"):  # no key needed
        response = APIClient().post(url, body, content_type="application/json")
        assert_error(response, 400, "parse_error")


def forged(payload: str) -> str:
    return base64.b64encode(payload.encode()).decode()


@pytest.mark.parametrize(
    "payload",
    ["p=notadate", "p=2026-13-45 99:99:99", "p=1e999", "r=1&p=\x00", "p=2026-11-28 10:00:00"],
    ids=["text", "no-such-day", "number", "nul", "no-zone"],
)
def test_a_forged_cursor_is_404_like_any_invalid_cursor(account, photo, payload):
    _, _, client = account
    job = submit_image(client, photo("ivan.jpg"))
    for url in ("/api/v1/jobs", f"/api/v1/jobs/{job['id']}/deliveries"):
        response = client.get(url, {"cursor": forged(payload)})
        assert_error(response, 404, "not_found")


def test_the_cursors_the_api_gives_still_work(account, photo):
    _, _, client = account
    for _ in range(3):
        submit_image(client, photo("ivan.jpg"))
    first = client.get("/api/v1/jobs", {"page_size": 2}).json()
    second = client.get(first["next"])
    assert second.status_code == 200, second.content
    assert len(first["results"]) == 2 and len(second.json()["results"]) == 1


def test_an_empty_file_in_the_form_is_a_missing_image(account):
    _, _, client = account
    response = post_image(client, b"", name="empty.jpg")
    assert_error(response, 400, "missing_image")


def test_an_idempotency_key_over_255_characters_is_refused_not_cut(account, photo):
    _, _, client = account
    response = post_image(client, photo("ivan.jpg"), headers={"HTTP_IDEMPOTENCY_KEY": "k" * 256})
    error = assert_error(response, 400, "validation_error")
    assert "Idempotency-Key" in error["detail"]
    assert not Job.objects.exists()
    accepted = post_image(client, photo("ivan.jpg"), headers={"HTTP_IDEMPOTENCY_KEY": "k" * 255})
    assert accepted.status_code == 202, accepted.content


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/api/v1/insights/summary", {"until": "9999-12-31T23:59:59.999999Z"}),
        ("/api/v1/insights/summary", {"since": "0001-01-01T00:00:00Z"}),
        ("/api/v1/reports/preview", {"period": "weekly", "period_end": "0001-01-01"}),
        ("/api/v1/reports/preview", {"period": "monthly", "period_end": "0001-01-01"}),
        ("/api/v1/reports/preview", {"period": "daily", "period_end": "0001-01-02"}),
        ("/api/v1/reports/preview", {"period": "daily", "period_end": "9999-12-31"}),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_a_400(staff_api_client, url, query):
    response = staff_api_client.get(url, query)
    assert_error(response, 400, "validation_error")


def test_an_export_limit_past_the_largest_sql_limit_is_refused_at_once(staff_api_client):
    response = staff_api_client.post(
        "/api/v1/datasets/exports", {"limit": 99999999999999999999999}, format="json"
    )
    assert_error(response, 400, "validation_error")
    response = staff_api_client.post(
        "/api/v1/datasets/exports", {"limit": MAX_LIMIT + 1}, format="json"
    )
    assert_error(response, 400, "validation_error")


def test_form_fields_over_djangos_memory_limit_are_413(account, photo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    _, _, client = account
    response = post_image(client, photo("ivan.jpg"), note="x" * 20_000)
    assert_error(response, 413, "request_too_large")


def test_a_refused_host_is_one_warning_line_in_the_log_not_an_error_with_a_traceback(client):
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        response = client.get("/api/v1/jobs", HTTP_HOST="evil.example")
    finally:
        console.setStream(previous)
    assert response.status_code == 400
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and " WARNING django.security.DisallowedHost " in lines[0], lines
