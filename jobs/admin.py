"""Admin for jobs: read-only views of what happened.

Nothing is deleted here: a row deleted from the admin would leave its stored image or archive
behind and record no event. Jobs are deleted through the API (or with their account)."""

from django.contrib import admin

from jobs.models import DatasetExport, Feedback, Job
from jobs.webhooks import admin as webhooks_admin  # noqa: F401 (registers the webhook models)

_FEEDBACK_FIELDS = [
    "correct",
    "false_positives",
    "missed_faces",
    "comment",
    "created_at",
    "superseded_at",
]


class FeedbackInline(admin.TabularInline):
    """Every feedback on the job, the current one (superseded_at empty) first."""

    model = Feedback
    fields = _FEEDBACK_FIELDS
    readonly_fields = _FEEDBACK_FIELDS
    extra = 0
    can_delete = False
    ordering = ["superseded_at", "-created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
    inlines = [FeedbackInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["job", "job_user", "correct", "created_at", "is_current"]
    list_filter = ["correct", ("superseded_at", admin.EmptyFieldListFilter)]
    search_fields = ["job__id", "job__user__email", "comment"]
    list_select_related = ["job__user"]
    date_hierarchy = "created_at"
    readonly_fields = ["job", *_FEEDBACK_FIELDS]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="user")
    def job_user(self, feedback: Feedback) -> str:
        return feedback.job.user.email

    @admin.display(boolean=True, description="current")
    def is_current(self, feedback: Feedback) -> bool:
        return feedback.is_current


@admin.register(DatasetExport)
class DatasetExportAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "format", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", "format"]
    readonly_fields = [f.name for f in DatasetExport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # started from the staff API or the export_dataset command

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
