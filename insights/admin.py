from django.contrib import admin

from insights.models import OutboxEvent


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
    ]

    def has_add_permission(self, request) -> bool:
        return False
