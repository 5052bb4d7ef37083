"""Each report run is visible in the admin: its period, status and recipients, read only."""

from datetime import date

import pytest
from django.test import Client

from insights.reports import services

pytestmark = pytest.mark.django_db


def test_runs_are_listed_with_their_status_and_recipients(settings, django_user_model):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    outcome = services.send_scheduled_report(kind="daily", period_end=date(2026, 11, 25))
    admin = django_user_model.objects.create_superuser("root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/insights/reportrun/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert 'field-status">Sent<' in page
    assert "preview/?period=daily&amp;period_end=2026-11-25" in page
    detail = client.get(f"/admin/insights/reportrun/{outcome.run.pk}/change/").content.decode()
    assert "ops@example.com" in detail
    assert client.get("/admin/insights/reportrun/add/").status_code == 403
