from django.urls import path

from reactions import views

app_name = "reactions"

# Under /chat/, beside the room's own message URLs (rooms/urls.py).
urlpatterns = [
    path("<str:name>/messages/<int:pk>/react/", views.react, name="react"),
]
