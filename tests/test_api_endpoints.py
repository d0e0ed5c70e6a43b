"""The HTTP API's endpoints: who may see what (every endpoint), the rooms list, history
pages and their boundaries, one message, and posting in every shape, live like a person's."""

from __future__ import annotations

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bots import keys
from rooms import fragments
from rooms.actions import add_member, delete_message, edit_message, open_direct, open_room
from rooms.actions import post_message as post_as
from rooms.models import Message
from tests.api_support import *  # noqa: F403 (its fixtures)
from tests.api_support import JSON, key_client, post_json, post_text, problem
from tests.conftest import next_message

# Every endpoint, as (method, path) with {room} and {message} to fill in.
ENDPOINTS = [
    ("get", "/api/v1/rooms"),
    ("get", "/api/v1/rooms/{room}/messages"),
    ("post", "/api/v1/rooms/{room}/messages"),
    ("get", "/api/v1/messages/{message}"),
]


@pytest.fixture
def private(alice, bob):
    room = open_room("secret", by=alice, private=True)
    post_as(room, alice, "hush")
    return room


def call(client: Client, method: str, path: str, room: str, message: int):
    url = path.format(room=room, message=message)
    if method == "post":
        return post_json(client, room, {"body": "hello"})
    return client.get(url)


# Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_anyone_without_a_key(room, alice, method, path):
    message = post_as(room, alice, "hi")
    for client in [
        Client(),
        key_client("chat_" + "x" * 43),
        key_client(""),
        Client(headers={"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}),
    ]:
        problem(call(client, method, path, room.name, message.pk), 401)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS[1:])
def test_a_bot_gets_404_for_a_private_room_it_is_not_in(bot_client, private, method, path):
    message = private.messages.get()
    problem(call(bot_client, method, path, "secret", message.pk), 404)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS[1:])
def test_a_bot_added_to_a_private_room_may_use_it(ci_bot, bot_client, private, alice, method, path):
    add_member(private, ci_bot[0].user, by=alice)
    message = private.messages.first()
    response = call(bot_client, method, path, "secret", message.pk)
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(("method", "path"), ENDPOINTS[1:])
def test_a_direct_conversation_is_404_to_others(bot_client, alice, bob, method, path):
    direct = open_direct(alice, bob)
    message = post_as(direct, alice, "between us")
    problem(call(bot_client, method, path, direct.name, message.pk), 404)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS[1:])
def test_a_room_that_does_not_exist_or_cannot_be_named_is_404(bot_client, method, path):
    for name in ["nowhere", "a" * 51, "no%00nul", "%F0%9F%98%80", "..", "dm.1.2"]:
        response = call(bot_client, method, path, name, 2**62)
        assert response.status_code == 404, name


def test_a_personal_token_acts_as_its_person(alice_api, private, alice):
    assert alice_api.get("/api/v1/rooms/secret/messages").status_code == 200
    response = post_json(alice_api, "secret", {"body": "by token"})
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).author == alice


# Rooms -------------------------------------------------------------------------------------


def test_rooms_lists_what_the_caller_sees_with_unread_counts_for_people(
    alice, bob, private, alice_api
):
    general = open_room("general", by=alice)
    post_as(general, bob, "one for @alice")
    post_as(general, bob, "two")
    bob_token = keys.issue_token(bob, "t").key
    by_name = {room["name"]: room for room in alice_api.get("/api/v1/rooms").json()}
    assert set(by_name) == {"general", "secret"}
    assert by_name["general"]["unread"] == 2
    assert by_name["general"]["unread_mentions"] == 1
    assert by_name["general"]["label"] == "#general"
    assert by_name["general"]["url"] == "http://testserver/chat/general/"
    bobs = [room["name"] for room in key_client(bob_token).get("/api/v1/rooms").json()]
    assert bobs == ["general"]


def test_a_bot_sees_public_rooms_without_unread_counts(bot_client, private, room):
    rooms = bot_client.get("/api/v1/rooms").json()
    assert [(r["name"], r["unread"], r["unread_mentions"]) for r in rooms] == [
        ("general", None, None)
    ]


# History pages -----------------------------------------------------------------------------


@pytest.fixture
def ten(room, alice) -> list[int]:
    return [post_as(room, alice, f"m{n}").pk for n in range(10)]


def page(client: Client, query: str) -> tuple[list[int], bool]:
    response = client.get(f"/api/v1/rooms/general/messages{query}")
    assert response.status_code == 200, response.content
    data = response.json()
    return [m["id"] for m in data["messages"]], data["has_more"]


def test_pages_are_oldest_first_with_cursors_either_way(bot_client, ten):
    assert page(bot_client, "") == (ten, False)
    assert page(bot_client, "?limit=3") == (ten[-3:], True)
    assert page(bot_client, f"?before={ten[-3]}&limit=3") == (ten[-6:-3], True)
    assert page(bot_client, f"?before={ten[3]}&limit=3") == (ten[:3], False)
    assert page(bot_client, f"?before={ten[2]}&limit=3") == (ten[:2], False)
    assert page(bot_client, f"?before={ten[0]}") == ([], False)
    assert page(bot_client, "?after=0&limit=4") == (ten[:4], True)
    assert page(bot_client, f"?after={ten[3]}&limit=4") == (ten[4:8], True)
    assert page(bot_client, f"?after={ten[5]}&limit=4") == (ten[6:], False)
    assert page(bot_client, f"?after={ten[-1]}") == ([], False)
    assert page(bot_client, "?after=0&limit=10") == (ten, False)
    assert page(bot_client, "?after=0&limit=9") == (ten[:9], True)


def test_following_after_cursors_reads_everything_once(bot_client, ten):
    seen, after, more = [], 0, True
    while more:
        ids, more = page(bot_client, f"?after={after}&limit=3")
        seen += ids
        after = ids[-1] if ids else after
    assert seen == ten


def test_the_limit_is_1_to_200(bot_client, room, alice):
    for n in range(201):
        post_as(room, alice, f"n{n}")
    assert len(page(bot_client, "?limit=200")[0]) == 200
    assert page(bot_client, "?limit=1")[1] is True
    for bad in ["0", "201", "-1", "x", "", "1.5", "99999999999999999999999"]:
        document = problem(bot_client.get(f"/api/v1/rooms/general/messages?limit={bad}"), 422)
        assert document["errors"][0]["field"] == "query.limit"


@pytest.mark.parametrize(
    "query", ["after=-1", "before=x", "after=", "before=9223372036854775808", "after=1e3"]
)
def test_malformed_cursors_are_refused(bot_client, room, query):
    document = problem(bot_client.get(f"/api/v1/rooms/general/messages?{query}"), 422)
    assert document["errors"]


def test_after_and_before_together_are_refused(bot_client, room):
    problem(bot_client.get("/api/v1/rooms/general/messages?after=1&before=5"), 400)


# One message -------------------------------------------------------------------------------


def test_a_message_shows_source_html_author_times_edit_and_deletion(bot_client, room, alice):
    message = post_as(room, alice, "**bold** and `code`")
    data = bot_client.get(f"/api/v1/messages/{message.pk}").json()
    assert data["body"] == "**bold** and `code`"
    assert data["html"] == message.body_html
    assert "<strong>bold</strong>" in data["html"]
    assert data["author"] == {"username": "alice", "display_name": "alice", "is_bot": False}
    assert (
        data["url"] == f"http://testserver/chat/general/?around={message.pk}#message-{message.pk}"
    )
    assert data["edited_at"] is None
    assert data["deleted_at"] is None
    edit_message(message, "changed")
    edited = bot_client.get(f"/api/v1/messages/{message.pk}").json()
    assert edited["body"] == "changed"
    assert edited["edited_at"] is not None
    delete_message(message)
    deleted = bot_client.get(f"/api/v1/messages/{message.pk}").json()
    assert (deleted["body"], deleted["html"]) == ("", "")
    assert deleted["deleted_at"] is not None


def test_an_unknown_or_out_of_range_message_is_404(bot_client, room):
    for pk in ["0", "12345", "99999999999999999999999", "-1", "x"]:
        assert bot_client.get(f"/api/v1/messages/{pk}").status_code == 404, pk


# Posting -----------------------------------------------------------------------------------


def test_posting_json_answers_201_with_id_url_and_html(bot_client, room):
    response = post_json(bot_client, "general", {"body": "Build **42** passed"})
    assert response.status_code == 201
    data = response.json()
    message = Message.objects.get(pk=data["id"])
    assert message.author.username == "ci"
    assert message.room == room
    assert data["html"] == message.body_html == "<p>Build <strong>42</strong> passed</p>"
    assert data["url"].endswith(f"/chat/general/?around={message.pk}#message-{message.pk}")
    assert data["author"] == {"username": "ci", "display_name": "CI", "is_bot": True}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_posting_plain_text_takes_the_whole_body(bot_client, room, content_type):
    text = "Build 42 passed: a=b & c"
    response = bot_client.post("/api/v1/rooms/general/messages", text, content_type=content_type)
    assert response.status_code == 201, response.content
    assert Message.objects.get().body == text


def test_posting_a_form_field_or_multipart_with_files(bot_client, room, media_root):
    response = bot_client.post(
        "/api/v1/rooms/general/messages",
        {"body": "the log", "attachments": [SimpleUploadedFile("build.txt", b"all green")]},
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(f["name"], f["size"]) for f in files] == [("build.txt", 9)]
    assert bot_client.get(files[0]["url"].removeprefix("http://testserver")).status_code in (
        200,
        302,
    )


def test_a_retry_with_the_same_key_stores_one_message(bot_client, room):
    key = str(uuid.uuid4())
    first = post_json(bot_client, "general", {"body": "once", "client_key": key})
    again = post_json(bot_client, "general", {"body": "once", "client_key": key})
    header = post_text(bot_client, "general", "once", headers={"Idempotency-Key": key})
    assert first.json()["id"] == again.json()["id"] == header.json()["id"]
    assert Message.objects.count() == 1


def test_a_reply_quotes_a_message_of_the_same_room(bot_client, room, alice):
    original = post_as(room, alice, "is it green?")
    response = post_json(bot_client, "general", {"body": "yes", "reply_to": original.pk})
    assert response.json()["reply_to"] == original.pk


@pytest.mark.django_db(transaction=True)
async def test_a_posted_message_goes_live_like_a_persons(
    redis_layer, socket_for, alice, bob, ci_bot
):
    await database_sync_to_async(open_room)("general", by=alice)
    socket = socket_for(bob, "general")
    assert (await socket.connect())[0]
    client = key_client(ci_bot[1])
    response = await database_sync_to_async(post_json)(client, "general", {"body": "live"})
    shown = await database_sync_to_async(
        lambda: fragments.message(Message.objects.for_display().get(pk=response.json()["id"]))
    )()
    frame = await next_message(socket)
    assert frame == shown
    assert '<span class="bot-mark">bot</span>' in frame
    await socket.disconnect()


def test_a_persons_message_has_no_bot_mark(alice_client, room, alice):
    post_as(room, alice, "human")
    assert "bot-mark" not in alice_client.get("/chat/general/").content.decode()


def test_json_bodies_may_not_be_other_shapes(bot_client, room):
    for payload in [[], "text", 1, None, {"body": 1}, {"body": ["x"]}, {"client_key": "x"}]:
        response = bot_client.post(
            "/api/v1/rooms/general/messages", json.dumps(payload), content_type=JSON
        )
        assert response.status_code == 422, payload
    assert not Message.objects.exists()
