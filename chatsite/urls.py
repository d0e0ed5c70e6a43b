from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="rooms:lobby", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("chat/", include("rooms.urls")),
    path("admin/", admin.site.urls),
    # set_language: the picker in the top bar, a plain form.
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "chatsite.errors.bad_request"
