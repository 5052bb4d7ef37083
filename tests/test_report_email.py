"""A report is one email: a text alternative, HTML whose charts are inline PNG parts shown by
cid: references, and the daily figures as a CSV attachment; the embedded default writes it
to a file."""

from datetime import date

import pytest
from django.core import mail

from insights.reports import services
from tests.report_mail import parse_report_mail
from tests.seeded_events import seed

pytestmark = pytest.mark.django_db

CHARTS = {
    "jobs-per-day@facedetect.report",
    "confidence@facedetect.report",
    "brightness@facedetect.report",
    "size_bytes@facedetect.report",
}


def sent_mail():
    assert len(mail.outbox) == 1
    return parse_report_mail(mail.outbox[0].message().as_bytes())


def test_the_report_email_has_text_html_with_inline_charts_and_a_csv():
    seed()
    services.send_report_now(kind="weekly", period_end=date(2026, 11, 11), to=["ops@example.com"])
    report = sent_mail()
    assert report.subject == "facedetect weekly report: 2-8 Nov 2026"
    assert report.to == "ops@example.com"
    assert report.tree == [
        "multipart/mixed",
        [
            [
                "multipart/alternative",
                [
                    "text/plain",
                    ["multipart/related", ["text/html", *["image/png"] * 4]],
                ],
            ],
            "text/csv",
        ],
    ]
    assert set(report.images) == CHARTS == report.inline == report.cid_references
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in report.images.values())
    assert "data:" not in report.html
    # Six jobs against one the week before.
    assert "+5 (+500%)" in report.html
    assert any(
        line.split()[:2] == ["Jobs", "submitted"]
        and line.split()[2:] == ["6", "1", "+5", "(+500%)"]
        for line in report.text.splitlines()
    )
    assert report.csv_name == "facedetect-weekly-2026-11-02.csv"
    assert report.csv.splitlines() == [
        "date,jobs_submitted,jobs_succeeded,jobs_failed,faces,signups",
        "2026-11-02,4,3,1,3,2",
        "2026-11-03,1,1,0,6,1",
        "2026-11-04,1,0,0,0,0",
        "2026-11-05,0,0,0,0,0",
        "2026-11-06,0,0,0,0,0",
        "2026-11-07,0,0,0,0,0",
        "2026-11-08,0,0,0,0,0",
    ]


def test_an_empty_period_is_reported_without_charts():
    services.send_report_now(kind="daily", period_end=date(2026, 10, 2), to=["ops@example.com"])
    report = sent_mail()
    assert report.tree == [
        "multipart/mixed",
        [["multipart/alternative", ["text/plain", "text/html"]], "text/csv"],
    ]
    assert report.images == {} and report.cid_references == set()
    assert "No data in either period" in report.html
    assert "No jobs submitted in this period." in report.html
    assert report.csv.splitlines()[1:] == ["2026-10-01,0,0,0,0,0"]


def test_the_embedded_default_writes_the_report_to_a_file(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    seed()
    services.send_report_now(kind="daily", period_end=date(2026, 11, 4), to=["ops@example.com"])
    (written,) = (tmp_path / "mail").iterdir()
    report = parse_report_mail(written.read_bytes())
    assert report.subject == "facedetect daily report: 3 Nov 2026"
    assert (
        set(report.images)
        == report.cid_references
        == {
            "confidence@facedetect.report",
            "brightness@facedetect.report",
            "size_bytes@facedetect.report",
        }
    )
    assert report.csv.splitlines()[1:] == ["2026-11-03,1,1,0,6,1"]
