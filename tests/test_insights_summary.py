"""GET /api/v1/insights/summary on the database sink: figures from seeded events match the ones
worked out by hand; staff only; bad windows are a 400."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from insights import events
from insights.aggregations import Window, summarize
from insights.services import record_event, ship_pending_events
from tests.seeded_events import EXPECTED, WINDOW, at, seed

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/summary"


def test_summary_matches_the_figures_worked_out_by_hand(staff_api_client):
    seed()
    response = staff_api_client.get(URL, WINDOW)
    assert response.status_code == 200, response.content
    assert response.json() == EXPECTED


def test_series_by_hour_and_by_week(staff_api_client):
    seed()
    hourly = staff_api_client.get(URL, {**WINDOW, "interval": "hour"}).json()["series"]
    assert len(hourly) == 48 and hourly[0]["start"] == "2026-11-02T00:00:00+00:00"
    busy = {row["start"][11:13]: row for row in hourly[:24] if any(v for v in row.values() if v)}
    assert busy["12"]["jobs_submitted"] == 3 and busy["14"]["faces"] == 3
    assert sum(row["signups"] for row in hourly) == 3
    # 2 November 2026 is a Monday: both days fall in one week.
    weekly = staff_api_client.get(URL, {**WINDOW, "interval": "week"}).json()["series"]
    assert weekly == [{**EXPECTED["series"][0], "jobs_submitted": 5, "jobs_succeeded": 4,
                       "faces": 9, "signups": 3}]  # fmt: skip


def test_an_empty_window_is_all_zeros(staff_api_client):
    seed()
    body = staff_api_client.get(
        URL, {"since": "2026-10-01T00:00:00Z", "until": "2026-10-03T00:00:00Z"}
    ).json()
    assert body["jobs"] == {
        "submitted": 0,
        "by_status": {"succeeded": 0, "failed": 0},
        "failure_codes": {},
        "deleted": 0,
    }
    assert body["images"]["with_no_face_share"] is None
    assert body["faces"]["mean_per_image"] is None
    assert body["faces"]["low_confidence"] == {"threshold": 0.9, "count": 0, "share": None}
    assert body["latency_ms"]["total"] == {"p50": None, "p95": None, "p99": None}
    assert body["busiest_accounts"] == [] and body["users"]["active"] == 0
    assert [row["jobs_submitted"] for row in body["series"]] == [0, 0]


def test_the_window_defaults_to_the_last_seven_days(staff_api_client):
    record_event(events.JOB_DELETED, user_id=1, job_id="recent")
    record_event(
        events.JOB_DELETED, user_id=1, job_id="old", at=datetime.now(UTC) - timedelta(days=8)
    )
    ship_pending_events()
    body = staff_api_client.get(URL).json()
    since = datetime.fromisoformat(body["window"]["since"])
    until = datetime.fromisoformat(body["window"]["until"])
    assert until - since == timedelta(days=7) and body["window"]["interval"] == "day"
    assert body["jobs"]["deleted"] == 1 and len(body["series"]) == 8


def test_the_previous_window_is_the_period_just_before():
    window = Window(since=at(2, 0), until=at(4, 0))
    assert window.previous() == Window(since=datetime(2026, 10, 31, tzinfo=UTC), until=at(2, 0))
    seed()
    assert summarize(window.previous())["jobs"]["submitted"] == 1  # the one just before


def test_a_staff_key_made_by_createapikey_may_read_insights(api_client, capsys):
    call_command("createapikey", "ops@example.com", "--staff")
    raw = capsys.readouterr().out.strip()
    assert api_client(raw).get(URL).status_code == 200


def test_a_non_staff_key_is_refused(account):
    _, _, client = account
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_no_key_is_a_401(api_client):
    assert api_client().get(URL).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"interval": "month"},
        {"since": "yesterday"},
        {"until": "2026-13-01T00:00:00Z"},
        {"since": "2026-11-04T00:00:00Z", "until": "2026-11-02T00:00:00Z"},
        {"since": "2026-11-02T00:00:00Z", "until": "2026-11-02T00:00:00Z"},
        {"since": "2020-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z", "interval": "hour"},
    ],
)
def test_bad_parameters_are_a_400_in_the_error_shape(staff_api_client, params):
    response = staff_api_client.get(URL, params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] in {"validation_error", "invalid_window"} and error["message"]
