"""URL routes: the v1 API, its schema and docs, health probes and the admin site."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from facedetect import health
from facedetect.errors_views import (
    json_bad_request,
    json_forbidden,
    json_not_found,
    json_server_error,
)

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("jobs.urls")),
    path("", include("insights.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

handler400 = json_bad_request
handler403 = json_forbidden
handler404 = json_not_found
handler500 = json_server_error
