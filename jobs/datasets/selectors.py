"""Reads of dataset exports."""

from __future__ import annotations

from jobs.errors import ExportNotFound
from jobs.models import DatasetExport


def get_export(export_id) -> DatasetExport:
    """One export, or ExportNotFound."""
    export = DatasetExport.objects.filter(pk=export_id).first()
    if export is None:
        raise ExportNotFound("No such export.")
    return export
