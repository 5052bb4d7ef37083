"""Admin for webhooks: endpoints (never their secret), deliveries with their attempts inline,
and actions to redeliver or to disable. Imported by jobs/admin.py."""

from django.contrib import admin, messages

from jobs.webhooks import dispatch, services
from jobs.webhooks.errors import DeliveryInProgress, EndpointDisabled
from jobs.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

_ENDPOINT_FIELDS = [
    "id", "user", "url", "created_at", "secret_rotated_at", "disabled_at", "disabled_reason",
]  # fmt: skip
_ATTEMPT_FIELDS = [
    "number", "at", "status_code", "latency_ms", "outcome", "error", "response_excerpt",
]  # fmt: skip
_DELIVERY_FIELDS = [
    "id", "webhook_id", "user", "job", "endpoint", "url", "event_type", "status", "created_at",
    "attempt_count", "next_attempt_at", "last_attempt_at", "finished_at", "body",
]  # fmt: skip


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "user", "is_active", "created_at", "disabled_at"]
    list_filter = [("disabled_at", admin.EmptyFieldListFilter)]
    search_fields = ["url", "user__email"]
    list_select_related = ["user"]
    fields = _ENDPOINT_FIELDS  # the secret is never shown
    readonly_fields = _ENDPOINT_FIELDS
    actions = ["disable"]

    def has_add_permission(self, request) -> bool:
        return False  # created through the API, which shows the secret once

    @admin.display(boolean=True, description="active")
    def is_active(self, endpoint: WebhookEndpoint) -> bool:
        return endpoint.is_active

    @admin.action(description="Disable selected endpoints")
    def disable(self, request, queryset) -> None:
        for endpoint in queryset:
            services.disable_endpoint(endpoint_id=endpoint.pk, reason="disabled by staff")
        self.message_user(request, f"Disabled {queryset.count()} endpoint(s).", messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = _ATTEMPT_FIELDS
    readonly_fields = _ATTEMPT_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "webhook_id", "user", "event_type", "url", "status", "attempt_count", "next_attempt_at",
        "created_at",
    ]  # fmt: skip
    list_filter = ["status", "event_type"]
    search_fields = ["id", "job__id", "user__email", "url"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = _DELIVERY_FIELDS
    readonly_fields = _DELIVERY_FIELDS
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Redeliver selected deliveries")
    def redeliver(self, request, queryset) -> None:
        sent = 0
        for delivery in queryset:
            try:
                dispatch.redeliver(user=delivery.user, delivery_id=delivery.pk)
                sent += 1
            except (DeliveryInProgress, EndpointDisabled) as exc:
                self.message_user(
                    request, f"{delivery.webhook_id}: {exc.message}", messages.WARNING
                )
        self.message_user(request, f"Redelivering {sent} delivery(ies).", messages.SUCCESS)
