"""Input and output shapes of the account and key API."""

from rest_framework import serializers

from accounts.models import ApiKey, User


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class KeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ApiKeySerializer(serializers.ModelSerializer):
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = ["prefix", "name", "created_at", "last_used_at", "revoked", "revoked_at"]

    def get_revoked(self, key: ApiKey) -> bool:
        return key.revoked_at is not None


class NewKeySerializer(serializers.Serializer):
    """The one response that shows a key."""

    key = serializers.CharField()
    prefix = serializers.CharField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "date_joined", "is_staff"]


class LoginSerializer(serializers.Serializer):
    account = AccountSerializer()
    key = ApiKeySerializer()


class UsageSerializer(serializers.Serializer):
    jobs_total = serializers.IntegerField()
    jobs_by_status = serializers.DictField(child=serializers.IntegerField())
    faces_detected = serializers.IntegerField()
    active_keys = serializers.IntegerField()


class MeSerializer(AccountSerializer):
    usage = UsageSerializer()

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "usage"]
