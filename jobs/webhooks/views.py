"""The webhooks API. Thin: shapes here, work in services, dispatch and selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.pagination import NewestFirstPagination
from jobs.webhooks import dispatch, selectors, services
from jobs.webhooks.serializers import (
    AccountSecretSerializer,
    DeliverySerializer,
    EndpointCreateSerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
)


class EndpointListView(APIView):
    @extend_schema(responses={200: EndpointSerializer(many=True)})
    def get(self, request):
        endpoints = selectors.endpoints_of(request.user)
        return Response(EndpointSerializer(endpoints, many=True).data)

    @extend_schema(request=EndpointCreateSerializer, responses={201: EndpointWithSecretSerializer})
    def post(self, request):
        data = EndpointCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.create_endpoint(user=request.user, url=data.validated_data["url"])
        body = EndpointWithSecretSerializer(endpoint).data
        return Response(body, status=status.HTTP_201_CREATED)


class EndpointDetailView(APIView):
    @extend_schema(responses={200: EndpointSerializer})
    def get(self, request, endpoint_id):
        endpoint = selectors.get_endpoint(request.user, endpoint_id)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request, endpoint_id):
        services.delete_endpoint(user=request.user, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretView(APIView):
    @extend_schema(request=None, responses={200: EndpointWithSecretSerializer})
    def post(self, request, endpoint_id):
        endpoint = services.rotate_endpoint_secret(user=request.user, endpoint_id=endpoint_id)
        return Response(EndpointWithSecretSerializer(endpoint).data)


class EndpointEnableView(APIView):
    @extend_schema(request=None, responses={200: EndpointSerializer})
    def post(self, request, endpoint_id):
        endpoint = services.enable_endpoint(user=request.user, endpoint_id=endpoint_id)
        return Response(EndpointSerializer(endpoint).data)


class AccountSecretView(APIView):
    """The account's default secret, which signs deliveries to job-level webhook URLs."""

    @extend_schema(responses={200: AccountSecretSerializer})
    def get(self, request):
        secret = services.account_secret(user_id=request.user.pk)
        return Response(AccountSecretSerializer(secret).data)

    @extend_schema(request=None, responses={200: AccountSecretSerializer})
    def post(self, request):
        secret = services.rotate_account_secret(user=request.user)
        return Response(AccountSecretSerializer(secret).data)


class _DeliveryListView(APIView):
    def _page(self, request, deliveries):
        paginator = NewestFirstPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)


class EndpointDeliveriesView(_DeliveryListView):
    @extend_schema(responses={200: DeliverySerializer(many=True)})
    def get(self, request, endpoint_id):
        return self._page(request, selectors.deliveries_of_endpoint(request.user, endpoint_id))


class JobDeliveriesView(_DeliveryListView):
    @extend_schema(responses={200: DeliverySerializer(many=True)})
    def get(self, request, job_id):
        return self._page(request, selectors.deliveries_of_job(request.user, job_id))


class DeliveryDetailView(APIView):
    @extend_schema(responses={200: DeliverySerializer})
    def get(self, request, delivery_id):
        delivery = selectors.get_delivery(request.user, delivery_id)
        return Response(DeliverySerializer(delivery).data)


class RedeliverView(APIView):
    @extend_schema(request=None, responses={202: DeliverySerializer})
    def post(self, request, delivery_id):
        dispatch.redeliver(user=request.user, delivery_id=delivery_id)
        delivery = selectors.get_delivery(request.user, delivery_id)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
