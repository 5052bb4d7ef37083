from django.urls import path

from insights import views
from insights.reports.views import ReportPreviewView

urlpatterns = [
    path("insights/summary", views.SummaryView.as_view(), name="insights-summary"),
    path("reports/preview", ReportPreviewView.as_view(), name="report-preview"),
]
