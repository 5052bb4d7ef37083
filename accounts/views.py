"""The account and key API. Thin: validation in serializers, work in services."""

from __future__ import annotations

from django.db.models import Count, Sum
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import serializers, services
from accounts.clients import client_from_request
from accounts.models import ApiKey


class SignUpView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "signup"

    @extend_schema(
        request=serializers.EmailSerializer, responses={201: serializers.AccountSerializer}
    )
    def post(self, request):
        data = serializers.EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, _ = services.sign_up(
            email=data.validated_data["email"], client=client_from_request(request)
        )
        body = serializers.AccountSerializer(user).data
        body["message"] = f"Your API key was emailed to {user.email}."
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    @extend_schema(request=None, responses={200: serializers.LoginSerializer})
    def post(self, request):
        services.log_in(key=request.auth, client=client_from_request(request))
        body = serializers.LoginSerializer({"account": request.user, "key": request.auth}).data
        return Response(body)


class RecoverView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "recover"

    @extend_schema(request=serializers.EmailSerializer, responses={202: None})
    def post(self, request):
        data = serializers.EmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_key_recovery(
            email=data.validated_data["email"], client=client_from_request(request)
        )
        # The same answer whether or not the address has an account.
        return Response(
            {"detail": "If an account exists for this address, a new key is being emailed to it."},
            status=status.HTTP_202_ACCEPTED,
        )


class MeView(APIView):
    @extend_schema(responses={200: serializers.MeSerializer})
    def get(self, request):
        user = request.user
        # Through the reverse relation: accounts does not import the jobs app.
        by_status = dict(user.jobs.values_list("status").annotate(n=Count("pk")).order_by())
        faces = user.jobs.aggregate(n=Sum("face_count"))["n"] or 0
        usage = {
            "jobs_total": sum(by_status.values()),
            "jobs_by_status": by_status,
            "faces_detected": faces,
            "active_keys": ApiKey.objects.active().filter(user=user).count(),
        }
        return Response(serializers.MeSerializer({**_account_fields(user), "usage": usage}).data)

    @extend_schema(request=None, responses={202: None})
    def delete(self, request):
        services.request_account_deletion(user=request.user, client=client_from_request(request))
        return Response(
            {"detail": "Every key is revoked; jobs, images and events are being deleted."},
            status=status.HTTP_202_ACCEPTED,
        )


def _account_fields(user) -> dict:
    return {f: getattr(user, f) for f in serializers.AccountSerializer.Meta.fields}


class KeyListView(APIView):
    @extend_schema(responses={200: serializers.ApiKeySerializer(many=True)})
    def get(self, request):
        keys = ApiKey.objects.filter(user=request.user)
        return Response(serializers.ApiKeySerializer(keys, many=True).data)

    @extend_schema(
        request=serializers.KeyCreateSerializer, responses={201: serializers.NewKeySerializer}
    )
    def post(self, request):
        data = serializers.KeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, raw = services.create_key(
            user=request.user, name=data.validated_data["name"], client=client_from_request(request)
        )
        body = {"key": raw, "prefix": key.prefix, "name": key.name, "created_at": key.created_at}
        return Response(serializers.NewKeySerializer(body).data, status=status.HTTP_201_CREATED)


class KeyDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, prefix: str):
        services.revoke_key(user=request.user, prefix=prefix, client=client_from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
