"""Every page in Spanish for a reader whose browser prefers it, with no English left."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from chatsite import ratelimit
from rooms.actions import add_member, open_room, post_message

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
# The English words of the interface: any of them left on a Spanish page is a miss. Whole
# words, case-sensitive, so "Editar" is not "Edit".
ENGLISH = [
    "Search messages", "Search", "Log out", "Log in", "Sign up", "Rooms", "Join or create",
    "Room name", "Private", "private", "unread", "mentions", "No messages yet", "Send",
    "Message", "Edit", "Delete", "Cancel", "Save", "edited", "deleted", "Load older",
    "start of", "Search this room", "New messages below", "here", "member", "members",
    "Leave", "Remove", "Add someone", "Look in", "All rooms", "Sort", "Newest first",
    "Best match", "matching", "match", "Create an account", "Already have", "New here",
    "Requirements", "Request refused", "Not found", "Not allowed", "Back to the", "Language",
    "Change language", "Type a message", "too fast", "Too many", "Username", "Password",
    "Logged out", "directly", "is typing", "In the room", "older messages", "Say hello",
    "People", "Invitations", "invitation", "Welcome", "Forgot your password", "Deactivate",
    "Display name", "Picture", "Team link", "Single-use", "Find", "profile", "staff",
    "Reset", "Change", "Expires", "Never", "Withdraw", "Administration", "Make staff",
]  # fmt: skip
# Longest first, so "Search this room" is found as itself, not as "Search".
ENGLISH_WORDS = re.compile(
    "|".join(rf"\b{re.escape(words)}\b" for words in sorted(ENGLISH, key=len, reverse=True))
)
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "hx-confirm", "value"}


class ShownText(HTMLParser):
    """What a reader sees or hears: text, and the attributes that are read out or shown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            # An input's value is what was typed, except on a button.
            if name == "value" and attributes.get("type") not in ("submit", "button"):
                continue
            if attributes.get(name):
                self.parts.append(str(attributes[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def english_left(html: str) -> list[str]:
    parser = ShownText()
    parser.feed(html)
    return sorted({match.group(0) for match in ENGLISH_WORDS.finditer("\n".join(parser.parts))})


@pytest.fixture
def ana(db):
    return get_user_model().objects.create_user("ana", password="correct horse battery")


@pytest.fixture
def luis(db):
    return get_user_model().objects.create_user("luis", password="correct horse battery")


@pytest.fixture
def ana_client(ana) -> Client:
    client = Client(**SPANISH)
    client.force_login(ana)
    return client


@pytest.fixture
def sala(ana, luis):
    """A private room with two members and a conversation, so every control shows."""
    room = open_room("sala", by=ana, private=True)
    add_member(room, luis)
    first = post_message(room, luis, "hola @ana")
    post_message(room, ana, "buenas")
    return room, first


def spanish_page(response) -> str:
    html = response.content.decode()
    assert '<html lang="es">' in html
    return html


@pytest.mark.django_db
class TestEverySpanishPage:
    def test_the_check_sees_english_where_there_is_english(self, ana, sala):
        # The same page in English is full of the words the other tests must not find.
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(ana)
        left = english_left(client.get("/chat/sala/").content.decode())
        assert {"Send", "Edit", "Delete", "Search this room", "members", "Log out"} <= set(left)

    @pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
    def test_signed_out_pages(self, ana, path):
        assert english_left(spanish_page(Client(**SPANISH).get(path))) == []

    def test_the_lobby(self, ana_client, sala):
        open_room("vacia", by=get_user_model().objects.get(username="luis"))
        assert english_left(spanish_page(ana_client.get("/chat/"))) == []

    def test_a_room_with_messages_members_and_history(self, ana_client, sala, settings):
        settings.MESSAGE_PAGE_SIZE = 1
        html = spanish_page(ana_client.get("/chat/sala/"))
        assert english_left(html) == []
        assert "2 miembros" in html
        older = spanish_page(ana_client.get("/chat/sala/?before=999999"))
        assert english_left(older) == []

    def test_an_empty_room(self, ana_client, ana):
        open_room("vacia", by=ana)
        assert english_left(spanish_page(ana_client.get("/chat/vacia/"))) == []

    def test_edit_and_delete_pages(self, ana_client, ana, sala):
        room, _ = sala
        mine = room.messages.get(author=ana)
        for action in ("edit", "delete"):
            url = reverse(f"rooms:{action}", args=[room.name, mine.pk])
            assert english_left(spanish_page(ana_client.get(url))) == []

    @pytest.mark.parametrize("query", ["?q=hola", "?q=nada", "?q=hola&room=sala", ""])
    def test_search(self, ana_client, sala, query):
        assert english_left(spanish_page(ana_client.get(f"/chat/~search/{query}"))) == []

    def test_errors_400_403_404(self, ana_client, luis, sala):
        room, first = sala
        assert english_left(spanish_page(ana_client.get("/chat/sala/?before=x"))) == []
        forbidden = ana_client.get(reverse("rooms:edit", args=[room.name, first.pk]))
        assert forbidden.status_code == 403
        assert english_left(spanish_page(forbidden)) == []
        missing = ana_client.get("/chat/no-existe/")
        assert missing.status_code == 404
        assert english_left(spanish_page(missing)) == []

    def test_a_refused_message_says_why_in_spanish(self, ana_client, sala):
        response = ana_client.post("/chat/sala/messages/", {"body": "   "})
        assert "Escribe un mensaje primero." in spanish_page(response)
        assert english_left(response.content.decode()) == []

    def test_the_rate_limit_says_so_in_spanish(self, ana_client, sala, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "1/minute"}
        ratelimit.reset()
        try:
            assert ana_client.post("/chat/sala/messages/", {"body": "uno"}).status_code == 302
            refused = ana_client.post("/chat/sala/messages/", {"body": "dos"})
        finally:
            ratelimit.reset()
        assert refused.status_code == 429
        assert "Estás enviando mensajes demasiado rápido" in spanish_page(refused)
        assert english_left(refused.content.decode()) == []

    def test_failed_logins_and_a_logout_in_spanish(self, ana):
        client = Client(**SPANISH)
        response = client.post("/accounts/login/", {"username": "ana", "password": "no"})
        assert english_left(spanish_page(response)) == []
        client.force_login(ana)
        assert english_left(spanish_page(client.post("/accounts/logout/", follow=True))) == []


@pytest.mark.django_db
class TestAccountPagesInSpanish:
    """The pages of issue 12: first run, invitations, people, profiles, passwords."""

    def test_the_first_run_on_an_empty_site(self):
        response = Client(**SPANISH).get("/chat/", follow=True)
        assert "Te damos la bienvenida" in spanish_page(response)
        assert english_left(response.content.decode()) == []

    @pytest.mark.parametrize(
        "path",
        ["/accounts/signup/", "/join/" + "x" * 43 + "/", "/accounts/password_reset/",
         "/accounts/password_reset/done/", "/accounts/reset/xx/yy/"],
    )  # fmt: skip
    def test_signed_out_pages(self, settings, ana, path):
        settings.SIGNUP = "invite"
        response = Client(**SPANISH).get(path, follow=True)
        assert english_left(spanish_page(response)) == []

    @pytest.mark.parametrize(
        "path",
        ["/people/", "/people/?q=lu", "/people/?q=nadie", "/people/luis/", "/people/ana/",
         "/accounts/profile/", "/accounts/password_change/", "/accounts/password_change/done/",
         "/accounts/invitations/"],
    )  # fmt: skip
    def test_people_profiles_and_invitations_for_staff(self, ana, luis, path):
        from accounts import actions

        ana.is_staff = True
        ana.save()
        actions.regenerate_team_link(ana)
        actions.create_single_use(ana, None)
        client = Client(**SPANISH)
        client.force_login(ana)
        assert english_left(spanish_page(client.get(path))) == []

    def test_a_refused_picture_says_why_in_spanish(self, ana_client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        svg = SimpleUploadedFile("a.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml")
        response = ana_client.post("/accounts/profile/", {"avatar": svg})
        assert "El archivo contiene algo más que una imagen" in spanish_page(response)
        assert english_left(response.content.decode()) == []


@pytest.mark.django_db
class TestPluralsAndFormats:
    def test_member_counts_agree_in_number(self, ana_client, ana):
        alone = open_room("sola", by=ana, private=True)
        assert "1 miembro<" in ana_client.get(alone.get_absolute_url()).content.decode()

    def test_lobby_dates_are_written_the_spanish_way(self, ana_client, sala):
        _room, first = sala
        html = ana_client.get("/chat/").content.decode()
        assert first.created_at.strftime("%d/%m/%Y") in html


class TestTheLanguagePicker:
    def test_the_choice_sticks_over_the_browser_s(self, ana):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(ana)
        assert '<html lang="en">' in client.get("/chat/").content.decode()
        chosen = client.post("/i18n/setlang/", {"language": "es", "next": "/chat/"})
        assert chosen.status_code == 302
        assert chosen.url == "/chat/"
        assert '<html lang="es">' in client.get("/chat/").content.decode()
        client.post("/i18n/setlang/", {"language": "en", "next": "/chat/"})
        assert '<html lang="en">' in client.get("/chat/").content.decode()

    def test_only_english_and_spanish_are_offered(self, ana_client):
        html = ana_client.get("/chat/").content.decode()
        options = re.findall(r'<option value="(\w+)"', html)
        assert options == ["en", "es"]

    def test_an_unknown_language_changes_nothing(self, ana):
        client = Client(**SPANISH)
        client.force_login(ana)
        client.post("/i18n/setlang/", {"language": "xx", "next": "/chat/"})
        assert '<html lang="es">' in client.get("/chat/").content.decode()
