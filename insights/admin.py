from django.contrib import admin

from insights.models import InsightEvent, OutboxEvent
from insights.reports import admin as reports_admin  # noqa: F401 (registers ReportRun)


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["type", "at", "user_id", "shipped_at", "attempts"]
    list_filter = ["type", ("shipped_at", admin.EmptyFieldListFilter)]
    search_fields = ["id", "user_id"]
    date_hierarchy = "at"
    readonly_fields = [
        "id",
        "type",
        "at",
        "user_id",
        "data",
        "shipped_at",
        "attempts",
        "last_error",
        "next_attempt_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InsightEvent)
class InsightEventAdmin(admin.ModelAdmin):
    """The database sink, read only: what the insights summary counts."""

    list_display = ["type", "at", "user_id"]
    list_filter = ["type"]
    search_fields = ["id", "user_id"]
    date_hierarchy = "at"
    readonly_fields = ["id", "type", "at", "user_id", "data"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
