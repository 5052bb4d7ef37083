"""The report as one email: text and HTML alternatives, the HTML in ``multipart/related``
with its charts as inline PNG parts (``cid:`` references), and the daily figures as CSV.

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related (type="text/html")
          text/html
          image/png (Content-ID, Content-Disposition: inline) ...
      text/csv (attachment)
"""

from __future__ import annotations

from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart

from insights.reports import render
from insights.reports.charts import Chart, report_charts
from insights.reports.content import Report


class RelatedImagesEmail(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose HTML alternative travels in ``multipart/related`` with
    the images it references, so that clients show them without fetching anything."""

    def __init__(self, *args, inline_images: list[MIMEImage] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inline_images = list(inline_images or [])

    def message(self):
        """The MIME message, the HTML alternative wrapped with its images."""
        msg = super().message()
        if self.inline_images:
            for part in msg.walk():
                if part.get_content_type() == "multipart/alternative":
                    self._wrap_html(part)
        return msg

    def _wrap_html(self, alternative) -> None:
        parts = alternative.get_payload()
        for index, part in enumerate(parts):
            if part.get_content_type() == "text/html":
                related = SafeMIMEMultipart(
                    _subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET
                )
                related.set_param("type", "text/html")
                related.attach(part)
                for image in self.inline_images:
                    related.attach(image)
                parts[index] = related


def build_email(report: Report, *, to: list[str]) -> RelatedImagesEmail:
    """The report's email to these addresses, charts drawn and attached."""
    charts = report_charts(report)
    email = RelatedImagesEmail(
        subject=render.subject(report),
        body=render.render_text(report),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        inline_images=[_inline_image(chart) for chart in charts],
    )
    email.attach_alternative(render.render_html(report, charts, src=render.cid_src), "text/html")
    email.attach(render.csv_filename(report), render.render_csv(report), "text/csv")
    return email


def send_report_email(report: Report, *, to: list[str]) -> None:
    """Send the report through the configured email backend (SES, file, SMTP...)."""
    build_email(report, to=to).send(fail_silently=False)


def _inline_image(chart: Chart) -> MIMEImage:
    image = MIMEImage(chart.png, _subtype="png")
    image.add_header("Content-ID", f"<{render.content_id(chart)}>")
    image.add_header("Content-Disposition", "inline", filename=f"{chart.name}.png")
    return image
