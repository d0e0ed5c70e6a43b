from django.urls import path

from digests import views

app_name = "digests"

# Included at "notifications/email/" in chatsite/urls.py.
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preference/", views.preference, name="preference"),
]
