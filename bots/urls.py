"""/people/bots/: staff's bots page (included from accounts/people_urls.py)."""

from django.urls import path

from bots import views, webhook_views

app_name = "bots"

urlpatterns = [
    path("", views.bots, name="bots"),
    path("<str:username>/rotate/", views.rotate, name="rotate"),
    path("<str:username>/revoke/", views.revoke, name="revoke"),
    path("<str:username>/webhook/", webhook_views.webhook, name="webhook"),
    path("<str:username>/webhook/rotate/", webhook_views.rotate_secret, name="rotate_secret"),
]
