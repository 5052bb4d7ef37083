"""Input and output shapes of the staff dataset-export API."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from jobs.datasets.build import FORMATS
from jobs.datasets.destinations import STORE_SCHEME
from jobs.datasets.selection import (
    DEFAULT_UNCERTAIN_HIGH,
    DEFAULT_UNCERTAIN_LOW,
    MAX_LIMIT,
    ORDERS,
)
from jobs.models import DatasetExport, ExportStatus


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FORMATS, default="coco")
    since = serializers.DateTimeField(required=False, allow_null=True, default=None)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    with_feedback_only = serializers.BooleanField(default=False)
    order = serializers.ChoiceField(choices=ORDERS, default="newest")
    limit = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_LIMIT
    )
    uncertain_low = serializers.FloatField(
        default=DEFAULT_UNCERTAIN_LOW, min_value=0.0, max_value=1.0
    )
    uncertain_high = serializers.FloatField(
        default=DEFAULT_UNCERTAIN_HIGH, min_value=0.0, max_value=1.0
    )


class ExportSerializer(serializers.ModelSerializer):
    archive = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = DatasetExport
        fields = [
            "id", "status", "format", "selection", "created_at", "started_at", "finished_at",
            "counts", "archive", "error", "links",
        ]  # fmt: skip

    def get_archive(self, export: DatasetExport) -> dict | None:
        """Where the archive is, once the export has succeeded."""
        if export.status != ExportStatus.SUCCEEDED:
            return None
        return {
            "location": f"{STORE_SCHEME}{export.output_key}",
            "key": export.output_key,
            "size_bytes": export.size_bytes,
            "sha256": export.sha256,
        }

    def get_links(self, export: DatasetExport) -> dict:
        path = reverse("dataset-export-detail", args=[export.pk])
        request = self.context.get("request")
        return {"self": request.build_absolute_uri(path) if request else path}
