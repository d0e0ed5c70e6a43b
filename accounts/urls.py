from django.urls import include, path

from accounts import views
from accounts.login import LoginView

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    # Before Django's own: the same login, with failed attempts limited.
    path("login/", LoginView.as_view(), name="login"),
    path("", include("django.contrib.auth.urls")),
]
