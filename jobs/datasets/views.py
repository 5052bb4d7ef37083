"""The staff-only dataset-export API: start an export, then poll it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.datasets import selectors, services
from jobs.datasets.selection import Selection
from jobs.datasets.serializers import ExportRequestSerializer, ExportSerializer


class ExportListView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportSerializer})
    def post(self, request):
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        options = dict(body.validated_data)
        dataset_format = options.pop("format")
        export = services.start_export(
            requested_by=request.user, selection=Selection(**options), dataset_format=dataset_format
        )
        data = ExportSerializer(export, context={"request": request}).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["links"]["self"]}
        )


class ExportDetailView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: ExportSerializer})
    def get(self, request, export_id):
        export = selectors.get_export(export_id)
        return Response(ExportSerializer(export, context={"request": request}).data)
