from django.urls import include, path

from jobs import views

urlpatterns = [
    path("jobs", views.JobListView.as_view(), name="jobs"),
    path("jobs/<uuid:job_id>", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<uuid:job_id>/feedback", views.JobFeedbackView.as_view(), name="job-feedback"),
    path("datasets/", include("jobs.datasets.urls")),
    path("", include("jobs.webhooks.urls")),
]
