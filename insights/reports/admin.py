"""Admin for report runs (read only), with a preview page for any period. Imported by
insights/admin.py."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils.html import format_html

from insights.reports.content import build_report
from insights.reports.models import ReportRun
from insights.reports.periods import KINDS, period_ending, today_utc
from insights.reports.render import render_preview

_FIELDS = [
    "kind", "period_start", "period_end", "scheduled", "status", "recipients", "attempts",
    "claimed_at", "sent_at", "error", "created_at",
]  # fmt: skip


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "period_start", "scheduled", "status", "sent_at", "preview"]
    list_filter = ["kind", "status", "scheduled"]
    date_hierarchy = "period_start"
    fields = _FIELDS
    readonly_fields = _FIELDS

    def has_add_permission(self, request) -> bool:
        return False  # runs are made by beat and `sendreport`

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="insights_reportrun_preview"),
            *super().get_urls(),
        ]

    @admin.display(description="preview")
    def preview(self, run: ReportRun) -> str:
        query = urlencode({"period": run.kind, "period_end": run.period_end.date().isoformat()})
        url = f"{reverse('admin:insights_reportrun_preview')}?{query}"
        return format_html('<a href="{}">open</a>', url)

    def preview_view(self, request) -> HttpResponse:
        """The report as a web page: ``?period=daily|weekly|monthly&period_end=YYYY-MM-DD``."""
        kind = request.GET.get("period", "daily")
        if kind not in KINDS:
            return HttpResponseBadRequest(f"period must be one of {', '.join(KINDS)}.")
        try:
            end = date.fromisoformat(request.GET.get("period_end") or today_utc().isoformat())
        except ValueError:
            return HttpResponseBadRequest("period_end must be an ISO date (YYYY-MM-DD).")
        html = render_preview(build_report(period_ending(kind, end)))
        return HttpResponse(html, content_type="text/html; charset=utf-8")
