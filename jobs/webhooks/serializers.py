"""Input and output shapes of the webhooks API. An endpoint's secret appears only in the
answers that create or rotate it; the account's default secret, which job-level webhook URLs
are signed with, is shown to the account on request (GET /webhooks/secret), as the README says."""

from __future__ import annotations

from rest_framework import serializers

from jobs.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret


class EndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2048)


class EndpointSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "active", "disabled_at", "disabled_reason", "created_at",
            "secret_rotated_at",
        ]  # fmt: skip


class EndpointWithSecretSerializer(EndpointSerializer):
    """The answer to creating an endpoint or rotating its secret: the only time it is shown."""

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class AccountSecretSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSecret
        fields = ["secret", "created_at", "rotated_at"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number", "at", "status_code", "latency_ms", "response_excerpt", "error", "outcome",
        ]  # fmt: skip


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(read_only=True)
    job_id = serializers.UUIDField(read_only=True)
    endpoint_id = serializers.UUIDField(read_only=True, allow_null=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "webhook_id", "event_type", "job_id", "endpoint_id", "url", "status",
            "created_at", "attempt_count", "next_attempt_at", "finished_at", "attempts",
        ]  # fmt: skip
