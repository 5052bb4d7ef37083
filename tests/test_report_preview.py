"""Staff preview a report as a web page (API key or admin session), its charts inlined as
data: URIs; nobody else can."""

import pytest
from django.test import Client

from tests.seeded_events import seed

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/preview"
ADMIN_URL = "/admin/insights/reportrun/preview/"


def test_staff_preview_a_report_with_its_charts_inline(staff_api_client):
    seed()
    response = staff_api_client.get(URL, {"period": "weekly", "period_end": "2026-11-09"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "<title>facedetect weekly report: 2-8 Nov 2026</title>" in html
    assert html.count('src="data:image/png;base64,') == 4 and "cid:" not in html
    assert "+5 (+500%)" in html


def test_the_preview_defaults_to_yesterday(staff_api_client):
    response = staff_api_client.get(URL)
    assert response.status_code == 200
    assert "facedetect daily report" in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"period": "hourly"}, {"period": "daily", "period_end": "yesterday"}]
)
def test_bad_parameters_are_a_400(staff_api_client, params):
    response = staff_api_client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_non_staff_key_is_refused(account):
    _, _, client = account
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_no_key_is_a_401(api_client):
    assert api_client().get(URL).status_code == 401


def test_staff_preview_in_the_admin(django_user_model):
    staff = django_user_model.objects.create_user("ops@example.com", "pw", is_staff=True)
    client = Client()
    client.force_login(staff)
    response = client.get(ADMIN_URL, {"period": "monthly", "period_end": "2026-12-01"})
    assert response.status_code == 200
    assert "facedetect monthly report: November 2026" in response.content.decode()
    assert client.get(ADMIN_URL, {"period": "hourly"}).status_code == 400


def test_the_admin_preview_is_for_staff_only(django_user_model):
    customer = django_user_model.objects.create_user("customer@example.com", "pw")
    client = Client()
    client.force_login(customer)
    response = client.get(ADMIN_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
