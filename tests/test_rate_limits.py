"""Rate limits: fixed-window counters in Redis, per account for submissions."""

import threading

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from facedetect import throttling

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate_of():
    """Set one scope's rate for one test (DRF reads its rates once, into the class)."""

    def set_rate(scope: str, rate: str) -> None:
        ScopedRateThrottle.THROTTLE_RATES = {**ScopedRateThrottle.THROTTLE_RATES, scope: rate}

    yield set_rate
    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.fixture
def job_rate(rate_of):
    return lambda rate: rate_of("jobs", rate)


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


def test_other_authenticated_requests_share_the_api_budget(account, rate_of):
    rate_of("api", "3/min")
    _, _, client = account
    codes = [
        client.get("/api/v1/jobs").status_code,
        client.get("/api/v1/keys").status_code,
        client.post("/api/v1/accounts/login").status_code,
        client.get("/api/v1/accounts/me").status_code,
    ]
    assert codes == [200, 200, 200, 429]
    # Submissions have a budget of their own.
    assert submit_junk(client).status_code == 415


def test_open_endpoints_without_a_scope_are_not_counted(rate_of):
    rate_of("api", "1/min")
    client = APIClient()
    assert [client.get("/api/v1/docs/").status_code for _ in range(3)] == [200, 200, 200]


def recover(client, **headers):
    return client.post(
        "/api/v1/accounts/recover", {"email": "nobody@example.com"}, format="json", **headers
    )


def test_a_forged_forwarded_for_does_not_buy_a_new_budget(rate_of):
    rate_of("recover", "2/hour")
    client = APIClient()
    codes = [recover(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]
    assert codes == [202, 202, 429, 429]


def test_behind_trusted_proxies_the_address_they_saw_is_counted(rate_of, settings):
    settings.TRUSTED_PROXIES = 1
    rate_of("recover", "1/hour")
    client = APIClient()
    assert recover(client, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7").status_code == 202
    # The same client behind the proxy, with another made-up entry of its own: still counted.
    assert recover(client, HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.7").status_code == 429
    assert recover(client, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 202


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


def test_retry_after_is_rounded_up_in_the_header_as_in_the_body(account, job_rate, monkeypatch):
    job_rate("1/min")
    _, _, client = account
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: 1_800_000_000.5)
    assert submit_junk(client).status_code == 415
    refused = submit_junk(client)
    assert refused.status_code == 429
    # 59.5 s are left in the window: both say 60 (a client obeying 59 would come back early).
    assert refused["Retry-After"] == "60"
    assert refused.json()["error"]["detail"]["retry_after_seconds"] == 60
