"""The insights API (staff only). Thin: parameters here, figures in insights.aggregations."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from insights.aggregations import Window, summarize
from insights.aggregations.window import DEFAULT_SPAN
from insights.serializers import SummaryQuerySerializer


class SummaryView(APIView):
    permission_classes = [IsAdminUser]
    throttle_scope = "api"

    @extend_schema(parameters=[SummaryQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        until = query.validated_data.get("until") or timezone.now()
        since = query.validated_data.get("since") or until - DEFAULT_SPAN
        window = Window(since=since, until=until, interval=query.validated_data["interval"])
        return Response(summarize(window))
