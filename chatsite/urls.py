from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import media, signup
from api.api import api
from push import views as push_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="rooms:lobby", permanent=False)),
    # Personal API tokens (bots/), made and revoked from the settings page.
    path("accounts/api-tokens/", include("bots.token_urls")),
    path("accounts/", include("accounts.urls")),
    path("people/", include("accounts.people_urls")),
    path("join/<str:code>/", signup.join, name="join"),
    # Link cards' URLs sit under the room's messages (/chat/<room>/messages/<pk>/card/...).
    path("chat/", include("previews.urls")),
    # Each person's notification level for a room: /chat/<room>/notifications/.
    path("chat/", include("notifications.urls")),
    # Reactions: /chat/<room>/messages/<pk>/react/.
    path("chat/", include("reactions.urls")),
    # Files, served under their room and guarded as it is (/chat/<room>/files/<id>/<name>).
    path("chat/<str:name>/files/", include("attachments.urls")),
    path("chat/", include("rooms.urls")),
    # Web push: each device's subscription (push/), and the service worker at the root.
    path("notifications/subscriptions/", include("push.urls")),
    path("service-worker.js", push_views.service_worker, name="service_worker"),
    # Email about what was missed: unsubscribe links and the settings switch.
    path("notifications/email/", include("digests.urls")),
    path("admin/", admin.site.urls),
    # The HTTP API for bots and scripts (api/, README "Integrations").
    path("api/v1/", api.urls),
    # set_language: the picker in the top bar, a plain form.
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.MEDIA_URL.startswith("/"):
    # Avatars, when this app serves them (settings.SERVE_MEDIA; README "Production").
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.media))

handler400 = "chatsite.errors.bad_request"
