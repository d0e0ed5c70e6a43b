"""/accounts/api-tokens/: a person's personal API tokens, made and revoked."""

from django.urls import path

from bots import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("new/", views.new_token, name="new"),
    path("<int:pk>/revoke/", views.revoke_token, name="revoke"),
]
