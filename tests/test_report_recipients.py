"""Reports go to REPORT_RECIPIENTS and to the staff who opted in, each address once."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from insights.reports import services
from insights.reports.selectors import report_recipients

pytestmark = pytest.mark.django_db


def user(email: str, **flags):
    return get_user_model().objects.create_user(email, **flags)


def test_recipients_are_the_setting_then_opted_in_staff(settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com", "Lead@example.com"]
    user("lead@example.com", is_staff=True, receives_reports=True)  # already listed
    user("analyst@example.com", is_staff=True, receives_reports=True)
    user("quiet@example.com", is_staff=True)  # did not opt in
    user("customer@example.com", receives_reports=True)  # not staff
    user("gone@example.com", is_staff=True, receives_reports=True, is_active=False)
    assert report_recipients() == ["ops@example.com", "Lead@example.com", "analyst@example.com"]


def test_opted_in_staff_get_the_report_without_any_setting(settings):
    settings.REPORT_RECIPIENTS = []
    user("analyst@example.com", is_staff=True, receives_reports=True)
    outcome = services.send_scheduled_report(kind="daily", period_end=date(2026, 11, 25))
    assert outcome.run.recipients == ["analyst@example.com"]
    assert [m.to for m in mail.outbox] == [["analyst@example.com"]]
