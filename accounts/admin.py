"""Admin for users and keys. A key's hash is never shown; revocation is an action."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts import services
from accounts.clients import client_from_request
from accounts.models import ApiKey, User


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ["prefix", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are created through the API or `createapikey`, shown once


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "is_active",
        "is_staff",
        "receives_reports",
        "date_joined",
        "last_login",
    ]
    list_filter = ["is_active", "is_staff", "receives_reports"]
    search_fields = ["email"]
    readonly_fields = ["date_joined", "last_login", "deletion_requested_at"]
    inlines = [ApiKeyInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Status", {"fields": ["is_active", "deletion_requested_at", "receives_reports"]}),
        ("Permissions", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["delete_accounts"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A row deleted here would keep the account's stored images and events (DESIGN.md's
        # guarantee); the action below deletes an account the way the API does.
        return False

    @admin.action(
        description="Delete selected accounts (keys die now; jobs, images, events are purged)",
        permissions=["change"],
    )
    def delete_accounts(self, request, queryset) -> None:
        client = client_from_request(request)
        count = 0
        for user in queryset:
            services.request_account_deletion(user=user, client=client)
            count += 1
        self.message_user(
            request,
            f"Deleting {count} account(s): keys revoked, data being purged.",
            messages.SUCCESS,
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "is_active"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "prefix", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(boolean=True, description="active")
    def is_active(self, key: ApiKey) -> bool:
        return key.is_active

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset) -> None:
        count = services.revoke_keys(
            keys=queryset.select_related("user"), client=client_from_request(request)
        )
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
