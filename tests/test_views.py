from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from rooms.models import Message, Room

HTMX = {"HX-Request": "true"}


def messages_url(room: Room) -> str:
    return reverse("rooms:messages", args=[room.name])


def signup_data(**extra: str) -> dict[str, str]:
    password = "a-long-passphrase"
    return {"username": "carol", "password1": password, "password2": password, **extra}


class TestAccounts:
    def test_signup_logs_in_and_returns_to_next(self, db):
        response = Client().post(reverse("signup"), signup_data(next="/chat/"))
        assert response.status_code == 302
        assert response.url == "/chat/"
        assert Client().login(username="carol", password="a-long-passphrase")

    def test_signup_refuses_an_offsite_next(self, db):
        response = Client().post(reverse("signup"), signup_data(next="https://evil.example/"))
        assert response.url == reverse("rooms:lobby")

    def test_signup_errors_are_shown(self, db):
        response = Client().post(
            reverse("signup"), {"username": "", "password1": "a", "password2": "b"}
        )
        assert response.status_code == 200
        assert b'class="error"' in response.content

    def test_login_page_links_to_signup(self, db):
        response = Client().get(reverse("login") + "?next=/chat/general/")
        assert response.status_code == 200
        assert b"/accounts/signup/?next=/chat/general/" in response.content

    def test_logout_is_a_post(self, alice_client):
        assert alice_client.get(reverse("logout")).status_code == 405
        response = alice_client.post(reverse("logout"))
        assert response.status_code == 302
        assert alice_client.get(reverse("rooms:lobby")).status_code == 302

    @pytest.mark.parametrize(
        "path", ["/chat/", "/chat/general/", "/chat/general/messages/?after=0"]
    )
    def test_anonymous_visitors_are_sent_to_login_and_back(self, room, path):
        response = Client().get(path)
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=" + quote(path, safe="/")


class TestLobby:
    def test_lists_rooms_by_recent_activity(self, alice_client, alice):
        quiet = Room.open("quiet", by=alice)
        busy = Room.open("busy", by=alice)
        busy.post(alice, "hi")
        content = alice_client.get("/chat/").content.decode()
        assert content.index("#busy") < content.index("#quiet")
        assert f'datetime="{busy.messages.get().created_at.isoformat()}"' in content
        assert quiet.name in content
        assert "No messages yet" in content

    def test_has_a_room_name_field(self, alice_client):
        content = alice_client.get("/chat/").content.decode()
        assert '<label for="id_name">Room name</label>' in content

    def test_creating_a_room_redirects_to_it(self, alice_client):
        response = alice_client.post("/chat/", {"name": "General"})
        assert response.status_code == 302
        assert response.url == "/chat/General/"
        assert Room.objects.get().name == "General"

    def test_joining_an_existing_room_ignores_case(self, alice_client, room):
        response = alice_client.post("/chat/", {"name": "GENERAL"})
        assert response.url == "/chat/general/"
        assert Room.objects.count() == 1

    @pytest.mark.parametrize("name", ["", "has space", "x" * 51, "<script>alert(1)</script>"])
    def test_invalid_names_show_an_error_and_create_nothing(self, alice_client, name):
        response = alice_client.post("/chat/", {"name": name})
        assert response.status_code == 200
        assert b'role="alert"' in response.content
        assert b"<script>alert" not in response.content
        assert not Room.objects.exists()

    def test_csrf_is_enforced(self, alice):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        assert client.post("/chat/", {"name": "general"}).status_code == 403
        assert not Room.objects.exists()


class TestRoomPage:
    def test_shows_the_latest_messages_oldest_first(self, alice_client, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 2
        for body in ["one", "two", "three"]:
            room.post(alice, body)
        content = alice_client.get("/chat/general/").content.decode()
        assert "one" not in content
        assert content.index("two") < content.index("three")
        assert "<time datetime=" in content

    def test_has_a_plain_form_with_csrf_and_a_message_label(self, alice_client, room):
        content = alice_client.get("/chat/general/").content.decode()
        assert 'method="post" action="/chat/general/messages/"' in content
        assert 'name="csrfmiddlewaretoken"' in content
        assert '<label for="id_body" class="visually-hidden">Message</label>' in content

    def test_connects_the_socket_with_the_ws_extension(self, alice_client, room):
        content = alice_client.get("/chat/general/").content.decode()
        assert 'hx-ext="ws" ws-connect="/ws/chat/general/"' in content
        assert "django_htmx/htmx-2.min.js" in content
        assert "django_htmx/ext/hx-ws-2.min.js" in content

    def test_other_case_redirects_to_the_room(self, alice_client, room):
        response = alice_client.get("/chat/GENERAL/")
        assert response.status_code == 301
        assert response.url == "/chat/general/"

    def test_unknown_room_is_404(self, alice_client, db):
        assert alice_client.get("/chat/nowhere/").status_code == 404

    def test_message_text_is_escaped(self, alice_client, room, alice):
        room.post(alice, '<img src=x onerror="alert(1)">')
        content = alice_client.get("/chat/general/").content.decode()
        assert "<img src=x" not in content
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in content


class TestPostMessage:
    def test_without_htmx_redirects_back_to_the_room(self, alice_client, room):
        response = alice_client.post(messages_url(room), {"body": "  hello  "})
        assert response.status_code == 302
        assert response.url == "/chat/general/"
        assert Message.objects.get().body == "hello"

    def test_with_htmx_returns_a_fresh_composer_and_the_message(self, alice_client, room):
        response = alice_client.post(messages_url(room), {"body": "hello"}, headers=HTMX)
        assert response.status_code == 200
        content = response.content.decode()
        message = Message.objects.get()
        assert '<textarea name="body"' in content
        assert "hello</textarea>" not in content
        assert (
            f'<div hx-swap-oob="merge:#messages"><article class="message" id="message-{message.pk}"'
            in content
        )

    @pytest.mark.parametrize("body", ["", "   \n ", "x" * 2001])
    def test_invalid_with_htmx_shows_an_inline_error(self, alice_client, room, body):
        response = alice_client.post(messages_url(room), {"body": body}, headers=HTMX)
        assert response.status_code == 200
        assert b'id="composer-error" role="alert"' in response.content
        assert b"hx-swap-oob" not in response.content
        assert not Message.objects.exists()

    def test_invalid_keeps_what_was_typed(self, alice_client, room):
        response = alice_client.post(messages_url(room), {"body": "x" * 2001}, headers=HTMX)
        assert ("x" * 2001).encode() in response.content

    @pytest.mark.parametrize("body", ["", "x" * 2001])
    def test_invalid_without_htmx_rerenders_the_page_with_the_error(self, alice_client, room, body):
        response = alice_client.post(messages_url(room), {"body": body})
        assert response.status_code == 200
        assert b"<title>#general" in response.content
        assert b'id="composer-error" role="alert"' in response.content
        assert not Message.objects.exists()

    def test_missing_csrf_is_403_and_stores_nothing(self, alice, room):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        response = client.post(messages_url(room), {"body": "hello"}, headers=HTMX)
        assert response.status_code == 403
        assert not Message.objects.exists()

    def test_unknown_room_is_404(self, alice_client, db):
        assert alice_client.post("/chat/nowhere/messages/", {"body": "hi"}).status_code == 404

    def test_other_methods_are_refused(self, alice_client, room):
        assert alice_client.delete(messages_url(room)).status_code == 405


class TestCatchUp:
    def test_returns_every_message_after_the_id_in_order(self, alice_client, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 2
        first, *rest = [room.post(alice, f"m{n}") for n in range(5)]
        content = alice_client.get(messages_url(room), {"after": first.pk}, headers=HTMX).content
        content = content.decode()
        ids = [f'id="message-{m.pk}"' for m in rest]
        assert [content.index(i) for i in ids] == sorted(content.index(i) for i in ids)
        assert f'id="message-{first.pk}"' not in content

    def test_after_the_newest_returns_nothing_to_merge(self, alice_client, room, alice):
        newest = room.post(alice, "last")
        content = alice_client.get(messages_url(room), {"after": newest.pk}).content.decode()
        assert "<article" not in content

    @pytest.mark.parametrize("query", [{}, {"after": "x"}, {"after": ""}, {"after": "1e9"}])
    def test_bad_cursor_is_400(self, alice_client, room, query):
        assert alice_client.get(messages_url(room), query).status_code == 400
