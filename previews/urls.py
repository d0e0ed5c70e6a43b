from django.urls import path

from previews import views

app_name = "previews"

# Under the room's message URLs (included at "chat/" in chatsite/urls.py).
urlpatterns = [
    path("<str:name>/messages/<int:pk>/card/remove/", views.remove_card, name="remove"),
]
