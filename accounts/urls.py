from django.urls import path

from accounts import views

urlpatterns = [
    path("accounts/signup", views.SignUpView.as_view(), name="signup"),
    path("accounts/login", views.LoginView.as_view(), name="login"),
    path("accounts/recover", views.RecoverView.as_view(), name="recover"),
    path("accounts/me", views.MeView.as_view(), name="me"),
    path("keys", views.KeyListView.as_view(), name="keys"),
    path("keys/<str:prefix>", views.KeyDetailView.as_view(), name="key-detail"),
]
