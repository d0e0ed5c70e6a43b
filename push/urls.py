from django.urls import path

from push import views

app_name = "push"
urlpatterns = [
    path("", views.subscriptions, name="subscriptions"),
    path("<int:pk>/", views.device, name="device"),
    path("<int:pk>/delete/", views.remove_device, name="remove_device"),
]
