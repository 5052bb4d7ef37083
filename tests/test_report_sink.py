"""Reports read the configured insights sink: with Elasticsearch configured and unreachable,
nothing is sent, the run says why, and the preview is a 503."""

from datetime import date

import pytest
from django.core import mail

from insights.reports import services
from insights.reports.errors import ReportNotSent
from insights.reports.models import ReportRun, ReportStatus
from tests.fake_elasticsearch import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_elasticsearch(settings):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{free_port()}"
    settings.ELASTICSEARCH_TIMEOUT = 2


def test_a_report_is_not_sent_when_the_sink_cannot_answer(unreachable_elasticsearch, settings):
    settings.REPORT_RECIPIENTS = ["ops@example.com"]
    with pytest.raises(ReportNotSent, match="SinkUnavailable"):
        services.send_scheduled_report(kind="daily", period_end=date(2026, 11, 25))
    run = ReportRun.objects.get()
    assert run.status == ReportStatus.FAILED and "SinkUnavailable" in run.error
    assert mail.outbox == []


def test_the_preview_says_the_sink_is_unavailable(unreachable_elasticsearch, staff_api_client):
    response = staff_api_client.get("/api/v1/reports/preview")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "insights_sink_unavailable"
