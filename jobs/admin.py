"""Admin for jobs: read-only views of what happened."""

from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "status",
        "face_count",
        "image_format",
        "width",
        "height",
        "created_at",
    ]
    list_filter = ["status", "image_format", "error_code"]
    search_fields = ["id", "user__email", "sha256"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
