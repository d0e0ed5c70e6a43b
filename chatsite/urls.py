from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import media, signup

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="rooms:lobby", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("people/", include("accounts.people_urls")),
    path("join/<str:code>/", signup.join, name="join"),
    # Link cards' URLs sit under the room's messages (/chat/<room>/messages/<pk>/card/...).
    path("chat/", include("previews.urls")),
    # Reactions: /chat/<room>/messages/<pk>/react/.
    path("chat/", include("reactions.urls")),
    # Files, served under their room and guarded as it is (/chat/<room>/files/<id>/<name>).
    path("chat/<str:name>/files/", include("attachments.urls")),
    path("chat/", include("rooms.urls")),
    path("admin/", admin.site.urls),
    # set_language: the picker in the top bar, a plain form.
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.MEDIA_URL.startswith("/"):
    # Avatars, when this app serves them (settings.SERVE_MEDIA; README "Production").
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.media))

handler400 = "chatsite.errors.bad_request"
