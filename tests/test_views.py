import json
import re
import uuid
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from rooms import fragments
from rooms.actions import delete_message, edit_message, open_room, post_message
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

    def test_login_page_links_to_signup(self, alice):
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
        quiet = open_room("quiet", by=alice)
        busy = open_room("busy", by=alice)
        post_message(busy, alice, "hi")
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
        for body in ["first", "second", "third"]:
            post_message(room, alice, body)
        content = alice_client.get("/chat/general/").content.decode()
        assert "first" not in content
        assert content.index("second") < content.index("third")
        assert "<time datetime=" in content
        assert "Load older messages" in content

    def test_carries_the_revision_it_shows(self, alice_client, room, alice):
        post_message(room, alice, "one")
        post_message(room, alice, "two")
        assert b'data-revision="2"' in alice_client.get("/chat/general/").content

    def test_before_shows_an_older_page_without_a_socket(self, alice_client, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 2
        *_, third = (post_message(room, alice, f"m-{n}") for n in range(3))
        content = alice_client.get("/chat/general/", {"before": third.pk}).content.decode()
        assert "m-0" in content
        assert "m-1" in content
        assert "m-2" not in content
        assert "ws-connect" not in content
        assert "Back to the latest" in content
        assert "This is the start of #general." in content

    @pytest.mark.parametrize("before", ["x", "-1", "1.5", "", "99999999999999999999", "\u0661"])
    def test_bad_before_is_400(self, alice_client, room, before):
        assert alice_client.get("/chat/general/", {"before": before}).status_code == 400

    def test_has_a_plain_form_with_csrf_and_a_message_label(self, alice_client, room):
        content = alice_client.get("/chat/general/").content.decode()
        assert 'method="post" action="/chat/general/messages/"' in content
        assert 'name="csrfmiddlewaretoken"' in content
        assert '<label for="id_body" class="visually-hidden">Message</label>' in content

    def test_connects_the_socket_with_the_ws_extension(self, alice_client, room):
        content = alice_client.get("/chat/general/").content.decode()
        assert 'hx-ext="ws" ws-connect="/ws/chat/general/?language=en"' in content
        assert "django_htmx/htmx-2.min.js" in content
        assert "django_htmx/ext/hx-ws-2.min.js" in content

    def test_other_case_redirects_to_the_room(self, alice_client, room):
        response = alice_client.get("/chat/GENERAL/")
        assert response.status_code == 301
        assert response.url == "/chat/general/"

    def test_unknown_room_is_404(self, alice_client, db):
        assert alice_client.get("/chat/nowhere/").status_code == 404

    def test_message_text_is_escaped(self, alice_client, room, alice):
        post_message(room, alice, '<img src=x onerror="alert(1)">')
        content = alice_client.get("/chat/general/").content.decode()
        assert "<img src=x" not in content
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in content


class TestPostMessage:
    def test_without_htmx_redirects_back_to_the_room(self, alice_client, room):
        response = alice_client.post(messages_url(room), {"body": "  hello  "})
        assert response.status_code == 302
        assert response.url == "/chat/general/"
        assert Message.objects.get().body == "hello"

    def test_with_htmx_returns_the_message_and_leaves_the_composer(self, alice_client, room):
        response = alice_client.post(messages_url(room), {"body": "hello"}, headers=HTMX)
        assert response.status_code == 200
        assert response["HX-Reswap"] == "none"
        assert response.content.decode() == fragments.message(Message.objects.get())

    @pytest.mark.parametrize("body", ["", "   \n ", "x" * 10001])
    def test_invalid_with_htmx_shows_an_inline_error(self, alice_client, room, body):
        response = alice_client.post(messages_url(room), {"body": body}, headers=HTMX)
        assert response.status_code == 200
        assert b'id="composer-error" role="alert"' in response.content
        assert b"hx-swap-oob" not in response.content
        assert not Message.objects.exists()

    def test_invalid_keeps_what_was_typed(self, alice_client, room):
        response = alice_client.post(messages_url(room), {"body": "x" * 10001}, headers=HTMX)
        assert ("x" * 10001).encode() in response.content

    @pytest.mark.parametrize("body", ["", "x" * 10001])
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


class TestPaging:
    @pytest.fixture
    def history(self, room, alice, settings):
        settings.MESSAGE_PAGE_SIZE = 2
        return [post_message(room, alice, f"m{n}") for n in range(5)]

    def get(self, client, room, **query):
        return client.get(messages_url(room), query, headers=HTMX)

    def test_before_returns_the_previous_page_and_the_next_control(
        self, alice_client, room, history
    ):
        content = self.get(alice_client, room, before=history[3].pk).content.decode()
        assert content.startswith('<div id="older" class="older" hx-swap-oob="true">')
        assert f"?before={history[1].pk}" in content
        assert '<div hx-swap-oob="merge-older:#messages">' in content
        assert [m.pk for m in history[1:3]] == ids_in(content)

    def test_before_the_second_message_is_the_first_and_the_start(
        self, alice_client, room, history
    ):
        content = self.get(alice_client, room, before=history[1].pk).content.decode()
        assert ids_in(content) == [history[0].pk]
        assert "This is the start of #general." in content
        assert "Load older" not in content

    def test_before_the_first_message_is_empty(self, alice_client, room, history):
        content = self.get(alice_client, room, before=history[0].pk).content.decode()
        assert ids_in(content) == []
        assert "Load older" not in content

    def test_after_the_first_message_is_every_other_one_in_order(self, alice_client, room, history):
        content = self.get(alice_client, room, after=history[0].pk).content.decode()
        assert ids_in(content) == [m.pk for m in history[1:]]

    def test_after_the_last_message_is_empty(self, alice_client, room, history):
        response = self.get(alice_client, room, after=history[-1].pk)
        assert ids_in(response.content.decode()) == []
        assert json.loads(response["HX-Trigger-After-Swap"]) == {
            "chat:caught-up": {"revision": 5, "more": False}
        }

    def test_after_zero_is_everything(self, alice_client, room, history):
        assert ids_in(self.get(alice_client, room, after=0).content.decode()) == [
            m.pk for m in history
        ]

    def test_catch_up_comes_in_pieces_and_says_so(self, alice_client, room, history, settings):
        settings.CATCH_UP_LIMIT = 3
        response = self.get(alice_client, room, after=0)
        assert ids_in(response.content.decode()) == [m.pk for m in history[:3]]
        assert json.loads(response["HX-Trigger-After-Swap"])["chat:caught-up"]["more"] is True

    def test_since_adds_edits_and_deletions(self, alice_client, room, history):
        edit_message(history[0], "m0, edited")
        delete_message(history[1])
        content = self.get(alice_client, room, after=history[-1].pk, since=5).content.decode()
        assert ids_in(content) == [history[0].pk, history[1].pk]
        assert "m0, edited" in content
        assert "Message deleted" in content

    @pytest.mark.parametrize(
        "query",
        [{}, {"after": "x"}, {"after": ""}, {"after": "1e9"}, {"after": "-1"}, {"before": "x"},
         {"before": "1", "after": "1"}, {"after": "1", "since": "y"}, {"after": "2" * 30}],
    )  # fmt: skip
    def test_bad_cursors_are_400(self, alice_client, room, query):
        assert alice_client.get(messages_url(room), query).status_code == 400


class TestRetries:
    def test_the_same_client_key_stores_once_and_answers_the_same(self, alice_client, room):
        data = {"body": "only once", "client_key": str(uuid.uuid4())}
        first = alice_client.post(messages_url(room), data, headers=HTMX)
        again = alice_client.post(messages_url(room), data, headers=HTMX)
        message = Message.objects.get()
        for response in (first, again):
            assert response.content.decode().endswith(fragments.message(message))

    def test_each_composer_carries_a_fresh_key(self, alice_client, room):
        pages = [alice_client.get("/chat/general/").content.decode() for _ in range(2)]
        keys = re.findall(r'name="client_key" value="([0-9a-f-]{36})"', "".join(pages))
        assert len(set(keys)) == 2

    def test_a_malformed_key_is_an_error_and_stores_nothing(self, alice_client, room):
        response = alice_client.post(
            messages_url(room), {"body": "x", "client_key": "nope"}, headers=HTMX
        )
        assert response.status_code == 200
        assert not Message.objects.exists()


class TestEditAndDelete:
    @pytest.fixture
    def message(self, room, alice):
        return post_message(room, alice, "original")

    def edit_url(self, message):
        return reverse("rooms:edit", args=[message.room.name, message.pk])

    def delete_url(self, message):
        return reverse("rooms:delete", args=[message.room.name, message.pk])

    def test_the_author_edits_with_htmx(self, alice_client, message):
        response = alice_client.post(self.edit_url(message), {"body": "changed"}, headers=HTMX)
        message.refresh_from_db()
        assert message.body == "changed"
        assert message.edited_at is not None
        assert response.content.decode().startswith(
            f'<article class="message" id="message-{message.pk}"'
        )
        assert "changed" in response.content.decode()

    def test_the_author_edits_without_javascript(self, alice_client, message):
        page = alice_client.get(self.edit_url(message))
        assert b'name="csrfmiddlewaretoken"' in page.content
        assert b"original</textarea>" in page.content
        assert b"hx-post" not in page.content
        response = alice_client.post(self.edit_url(message), {"body": "changed"})
        assert response.url == "/chat/general/"

    def test_the_htmx_edit_form_replaces_the_message_in_place(self, alice_client, message):
        content = alice_client.get(self.edit_url(message), headers=HTMX).content.decode()
        assert content.startswith(f'<form class="message editing" id="message-{message.pk}"')
        assert f'data-revision="{message.revision}"' in content

    def test_cancel_puts_the_message_back(self, alice_client, message):
        url = reverse("rooms:message", args=["general", message.pk])
        content = alice_client.get(url, headers=HTMX).content.decode()
        assert content.startswith(f'<article class="message" id="message-{message.pk}"')

    @pytest.mark.parametrize("body", ["", "   ", "x" * 10001])
    def test_an_invalid_edit_changes_nothing(self, alice_client, message, body):
        response = alice_client.post(self.edit_url(message), {"body": body}, headers=HTMX)
        assert b'role="alert"' in response.content
        message.refresh_from_db()
        assert message.body == "original"
        assert message.edited_at is None

    def test_another_user_cannot_edit(self, bob, message):
        client = Client()
        client.force_login(bob)
        assert client.get(self.edit_url(message)).status_code == 403
        assert client.post(self.edit_url(message), {"body": "hijacked"}).status_code == 403
        message.refresh_from_db()
        assert message.body == "original"

    def test_another_user_cannot_delete(self, bob, message):
        client = Client()
        client.force_login(bob)
        assert client.post(self.delete_url(message), headers=HTMX).status_code == 403
        message.refresh_from_db()
        assert not message.is_deleted

    def test_the_author_deletes_with_htmx(self, alice_client, message):
        response = alice_client.post(self.delete_url(message), headers=HTMX)
        message.refresh_from_db()
        assert message.is_deleted
        assert response.content.decode().startswith('<article class="message deleted"')

    def test_deleting_without_javascript_asks_first(self, alice_client, message):
        page = alice_client.get(self.delete_url(message))
        assert b"Delete this message?" in page.content
        assert Message.objects.get().deleted_at is None
        assert alice_client.post(self.delete_url(message)).url == "/chat/general/"
        assert Message.objects.get().is_deleted

    def test_staff_may_delete_anyones_message(self, django_user_model, message):
        client = Client()
        client.force_login(django_user_model.objects.create_user("mod", is_staff=True))
        assert client.post(self.delete_url(message), headers=HTMX).status_code == 200
        assert Message.objects.get().is_deleted

    def test_staff_may_not_edit_anyones_message(self, django_user_model, message):
        client = Client()
        client.force_login(django_user_model.objects.create_user("mod", is_staff=True))
        assert client.post(self.edit_url(message), {"body": "x"}).status_code == 403

    def test_a_deleted_message_cannot_be_edited(self, alice_client, message):
        delete_message(message)
        assert alice_client.post(self.edit_url(message), {"body": "back"}).status_code == 403

    def test_a_message_of_another_room_is_404(self, alice_client, alice, message):
        open_room("other", by=alice)
        url = reverse("rooms:edit", args=["other", message.pk])
        assert alice_client.post(url, {"body": "x"}).status_code == 404

    def test_edit_and_delete_need_csrf(self, alice, message):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        assert client.post(self.edit_url(message), {"body": "x"}).status_code == 403
        assert client.post(self.delete_url(message)).status_code == 403
        message.refresh_from_db()
        assert (message.body, message.is_deleted) == ("original", False)

    def test_controls_are_in_every_fragment_and_shown_by_the_viewer_style(
        self, alice_client, message
    ):
        page = alice_client.get("/chat/general/").content.decode()
        assert f'.message[data-author="{message.author_id}"] {{ --mine: 1;' in page
        assert 'class="edit-action"' in fragments.message(message)
        assert 'class="delete-action"' in fragments.message(message)


def ids_in(content: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'<article class="message[^"]*" id="message-(\d+)"', content)
    ]
