"""The email itself: a plain-text body and an HTML alternative, in the site's language, every
link absolute (SITE_URL), and List-Unsubscribe headers for mail programs' own button."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from chatsite.typing import User
from digests.gathering import Missed
from digests.tokens import token_for

# Characters of each message shown in the email.
EXCERPT_LENGTH = 200


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(user: User) -> str:
    return absolute(reverse("digests:unsubscribe", args=[token_for(user)]))


def digest_email(user: User, missed: Missed) -> EmailMultiAlternatives:
    """One email listing what `user` missed. The site stores no language per person, so it
    speaks the site's own (LANGUAGE_CODE)."""
    unsubscribe = unsubscribe_url(user)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "count": missed.count,
            "more": missed.count - len(missed.listed),
            "items": [
                {
                    "author": message.author,
                    "room": message.room.label_for(user),
                    "excerpt": message.excerpt(EXCERPT_LENGTH) or gettext("(files only)"),
                    "url": absolute(message.get_absolute_url()),
                }
                for message in missed.listed
            ],
            "chat_url": absolute(reverse("rooms:lobby")),
            "settings_url": absolute(reverse("edit_profile")),
            "unsubscribe_url": unsubscribe,
        }
        subject = ngettext(
            "%(count)d message you missed in Chat",
            "%(count)d messages you missed in Chat",
            missed.count,
        ) % {"count": missed.count}
        text = render_to_string("digests/email.txt", context)
        html = render_to_string("digests/email.html", context)
    email = EmailMultiAlternatives(
        subject,
        text,
        to=[user.email],
        headers={
            # RFC 2369 and RFC 8058: mail programs offer their own one-click button.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(html, "text/html")
    return email
