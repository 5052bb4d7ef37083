from django.urls import path

from jobs.webhooks import views

urlpatterns = [
    path("webhooks", views.EndpointListView.as_view(), name="webhooks"),
    path("webhooks/secret", views.AccountSecretView.as_view(), name="webhook-secret"),
    path(
        "webhooks/deliveries/<uuid:delivery_id>",
        views.DeliveryDetailView.as_view(),
        name="webhook-delivery",
    ),
    path(
        "webhooks/deliveries/<uuid:delivery_id>/redeliver",
        views.RedeliverView.as_view(),
        name="webhook-redeliver",
    ),
    path("webhooks/<uuid:endpoint_id>", views.EndpointDetailView.as_view(), name="webhook"),
    path(
        "webhooks/<uuid:endpoint_id>/rotate-secret",
        views.EndpointRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/enable",
        views.EndpointEnableView.as_view(),
        name="webhook-enable",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries",
        views.EndpointDeliveriesView.as_view(),
        name="webhook-deliveries",
    ),
    path("jobs/<uuid:job_id>/deliveries", views.JobDeliveriesView.as_view(), name="job-deliveries"),
]
