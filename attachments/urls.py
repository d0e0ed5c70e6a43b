"""Included under /chat/<room>/files/ (chatsite/urls.py)."""

from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("<int:pk>/preview/<str:filename>", views.preview, name="preview"),
    path("<int:pk>/<str:filename>", views.file, name="file"),
]
