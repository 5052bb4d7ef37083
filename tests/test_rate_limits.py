"""Rate limits: fixed-window counters in Redis, per account for submissions."""

import threading

import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from facedetect import throttling

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_rate(settings):
    """Set the submission rate for one test (DRF reads its rates once, into the class)."""

    def set_rate(rate: str) -> None:
        ScopedRateThrottle.THROTTLE_RATES = {
            **api_settings.DEFAULT_THROTTLE_RATES,
            "jobs": rate,
        }

    yield set_rate
    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def submit_junk(client):
    # The limit is checked before the body is looked at: junk counts like a photo.
    return client.post("/api/v1/jobs", b"not an image", content_type="image/jpeg")


def test_submissions_over_the_rate_get_429_with_retry_after(account, job_rate):
    job_rate("3/min")
    _, _, client = account
    codes = [submit_junk(client) for _ in range(4)]
    assert [r.status_code for r in codes] == [415, 415, 415, 429]
    refused = codes[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()["error"]
    assert body["code"] == "rate_limited"
    assert body["detail"]["retry_after_seconds"] == int(refused["Retry-After"])


def test_each_account_has_its_own_budget(account, make_account, api_client, job_rate):
    job_rate("1/min")
    _, _, client = account
    _, other_key = make_account()
    assert submit_junk(client).status_code == 415
    assert submit_junk(client).status_code == 429
    assert submit_junk(api_client(other_key)).status_code == 415


def test_polling_is_not_counted_against_submissions(account, job_rate):
    job_rate("1/min")
    _, _, client = account
    for _ in range(3):
        assert client.get("/api/v1/jobs").status_code == 200
    assert submit_junk(client).status_code == 415


def test_a_new_window_starts_a_new_budget(account, job_rate, monkeypatch):
    job_rate("1/min")
    _, _, client = account
    now = [1_800_000_000.0]  # on a minute boundary
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: now[0])
    assert submit_junk(client).status_code == 415
    now[0] += 30
    refused = submit_junk(client)
    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    now[0] += 30
    assert submit_junk(client).status_code == 415


def test_concurrent_hits_are_all_counted():
    # DRF's list-in-the-cache throttle loses hits when requests race; a counter does not.
    key = "facedetect:test:concurrent"

    def hit() -> None:
        for _ in range(25):
            throttling.count_hit(key, window_seconds=60)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttling.count_hit(key, window_seconds=60) == 8 * 25 + 1


def test_unreachable_counters_let_requests_through(account, job_rate, settings):
    job_rate("1/min")
    settings.CACHE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    _, _, client = account
    assert [submit_junk(client).status_code for _ in range(3)] == [415, 415, 415]
