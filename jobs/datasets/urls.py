from django.urls import path

from jobs.datasets import views

urlpatterns = [
    path("exports", views.ExportListView.as_view(), name="dataset-exports"),
    path(
        "exports/<uuid:export_id>", views.ExportDetailView.as_view(), name="dataset-export-detail"
    ),
]
