"""The report as a web page for staff, charts inlined as data: URIs (the email's own HTML
references them by cid:, which only a mail client resolves)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from insights.reports.content import build_report
from insights.reports.periods import period_ending, today_utc
from insights.reports.render import render_preview
from insights.reports.serializers import PreviewQuerySerializer


class ReportPreviewView(APIView):
    permission_classes = [IsAdminUser]
    throttle_scope = "api"

    @extend_schema(
        parameters=[PreviewQuerySerializer],
        responses={(200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="the page")},
    )
    def get(self, request):
        query = PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = period_ending(
            query.validated_data["period"], query.validated_data.get("period_end") or today_utc()
        )
        html = render_preview(build_report(period))
        return HttpResponse(html, content_type="text/html; charset=utf-8")
