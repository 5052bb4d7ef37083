"""Reports through Amazon SES (django-ses) over HTTP against moto's server: the message SES
received carries the text, the HTML with its charts as inline PNG parts, and the CSV."""

import uuid
from datetime import date

import boto3
import pytest
import requests
from django.core.management import CommandError, call_command

from insights.reports.models import ReportRun, ReportStatus
from tests.report_mail import parse_report_mail
from tests.seeded_events import seed

pytestmark = pytest.mark.django_db

SENDER = "reports@example.com"


@pytest.fixture
def ses(moto_endpoint, aws_credentials, settings):
    """The service sending through SES at moto, from a verified sender; returns a function
    that reads back from moto the raw messages SES accepted for an address."""
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    settings.AWS_SES_REGION_NAME = "us-east-1"
    settings.AWS_SES_REGION_ENDPOINT_URL = moto_endpoint
    settings.DEFAULT_FROM_EMAIL = f"facedetect <{SENDER}>"
    boto3.client("ses", endpoint_url=moto_endpoint, region_name="us-east-1").verify_email_identity(
        EmailAddress=SENDER
    )

    def received(address: str) -> list[bytes]:
        state = requests.get(f"{moto_endpoint}/moto-api/data.json", timeout=10).json()
        return [
            message["raw_data"].encode()
            for message in state["ses"]["RawMessage"]
            if address in message["destinations"]
        ]

    return received


def test_a_report_goes_out_through_ses_with_all_its_parts(ses, settings):
    address = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    settings.REPORT_RECIPIENTS = [address]
    seed()
    call_command("sendreport", "weekly", "--period-end", "2026-11-09")
    (raw,) = ses(address)
    report = parse_report_mail(raw)
    assert report.subject == "facedetect weekly report: 2-8 Nov 2026"
    assert report.tree == [
        "multipart/mixed",
        [
            [
                "multipart/alternative",
                ["text/plain", ["multipart/related", ["text/html", *["image/png"] * 4]]],
            ],
            "text/csv",
        ],
    ]
    assert len(report.images) == 4
    assert set(report.images) == report.inline == report.cid_references
    assert all(png.startswith(b"\x89PNG") for png in report.images.values())
    assert "Jobs submitted" in report.text and "Jobs submitted" in report.html
    assert report.csv.splitlines()[1] == "2026-11-02,4,3,1,3,2"
    run = ReportRun.objects.get(kind="weekly", scheduled=True)
    assert run.status == ReportStatus.SENT and run.recipients == [address]


def test_an_ses_refusal_marks_the_run_failed(ses, settings):
    # moto, like SES, refuses a sender that was never verified.
    settings.DEFAULT_FROM_EMAIL = "facedetect <unverified@example.com>"
    address = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    settings.REPORT_RECIPIENTS = [address]
    with pytest.raises(CommandError, match="was not sent"):
        call_command("sendreport", "daily", "--period-end", "2026-11-25")
    run = ReportRun.objects.get(kind="daily", period_start__date=date(2026, 11, 24))
    assert run.status == ReportStatus.FAILED
    assert "MessageRejected" in run.error and run.sent_at is None
    assert ses(address) == []
