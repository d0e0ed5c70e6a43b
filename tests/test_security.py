"""Hostile input over HTTP and websockets: refused visibly, stored never, rendered inert.

Everything runs through the project's real middleware, views, templates and ASGI stack;
the websocket tests use channels-redis against a real redis-server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chatsite.asgi import application
from rooms import ratelimit
from rooms.consumers import CLOSE_UNAUTHENTICATED
from rooms.forms import MessageForm
from rooms.models import Message, Room
from tests.markup import (
    HOSTILE_BODIES,
    REFUSED_BODIES,
    Markup,
    body_events,
    outside_the_subset,
    visible_text,
)
from tests.processes import PROJECT_DIR, free_port, server_env

HTMX = {"HX-Request": "true"}
FORM = "application/x-www-form-urlencoded"
ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Every test starts with no one over a limit, and leaves no counts to other modules.
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def no_post_limit(settings) -> None:
    """For tests about something else that post more than the default limit allows."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "10000/second"}


def post(client: Client, room: Room, body: str, *, htmx: bool = True, **extra):
    headers = HTMX if htmx else {}
    return client.post(
        f"/chat/{room.name}/messages/",
        urlencode({"body": body}),
        content_type=FORM,
        headers=headers,
        **extra,
    )


def expected_text(body: str) -> str:
    """What the server stores for `body`: the form's own cleaning (it trims whitespace)."""
    form = MessageForm({"body": body})
    assert form.is_valid(), form.errors
    return form.cleaned_data["body"]


def shown_inertly(html: str, message: Message) -> list:
    """What the page's body element of `message` holds, checked: exactly the stored
    body_html (the formatter's output, nothing the template or the text added), and only
    the formatter's own tags and attributes."""
    events = Markup(html).bodies[f"message-{message.pk}"]
    assert events == body_events(message.body_html)
    assert outside_the_subset(events) == []
    return events


def edit_field(client: Client, message: Message) -> str:
    """The message as its author gets it back to edit: the raw text, in a textarea."""
    page = client.get(f"/chat/{message.room.name}/messages/{message.pk}/edit/")
    assert page.status_code == 200
    return Markup(page.content.decode()).textareas[f"message-{message.pk}"]


def without_message_ids(ids: list[str]) -> list[str]:
    return [re.sub(r"^message-\d+$", "message-N", element_id) for element_id in ids]


# Content Security Policy and htmx configuration -------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/chat/",
        "/chat/general/",
        "/chat/general/messages/?after=0",
        "/chat/nowhere/",
        "/no/such/page/",
    ],
)
def test_every_page_sends_a_strict_content_security_policy(alice_client, room, path):
    response = alice_client.get(path)
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_room_pages_inline_style_carries_the_policys_nonce(alice_client, room):
    response = alice_client.get("/chat/general/")
    [nonce] = re.findall(r"'nonce-([^']+)'", " ".join(csp_directives(response)["style-src"]))
    page = Markup(response.content.decode())
    styles = [attributes for tag, attributes in page.elements if tag == "style"]
    assert styles == [{"nonce": nonce}]
    # Each response gets its own nonce, so an old page's nonce is worth nothing.
    assert nonce not in alice_client.get("/chat/general/").headers["Content-Security-Policy"]


def test_pages_have_no_inline_scripts_or_event_handlers(alice_client, room, alice):
    room.post(alice, "hello")
    for path in ["/chat/", "/chat/general/", "/accounts/signup/"]:
        page = Markup(alice_client.get(path).content.decode())
        assert page.scripts(), path
        assert all(script.get("src", "").startswith("/static/") for script in page.scripts())
        assert page.event_handlers() == [], path


def test_htmx_is_configured_to_run_nothing_it_receives(alice_client, room):
    page = Markup(alice_client.get("/chat/general/").content.decode())
    [config] = [
        json.loads(attributes["content"])
        for tag, attributes in page.elements
        if tag == "meta" and attributes.get("name") == "htmx-config"
    ]
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0
    # htmx would otherwise add an inline <style>, which the policy refuses.
    assert config["includeIndicatorStyles"] is False
    # A 429 carries the composer with its error, so htmx must show it.
    assert {"code": "42[29]", "swap": True, "error": False} in config["responseHandling"]


# Oversized and forged requests -------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False])
def test_a_body_over_the_upload_limit_is_refused_visibly_and_stores_nothing(
    alice_client, room, settings, htmx
):
    body = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = post(alice_client, room, body, htmx=htmx)
    assert response.status_code == 413
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "too much to send at once" in page
    assert "nothing of it was saved" in page
    assert not Message.objects.exists()
    # The limit is well above the longest valid message, which still gets its own error.
    longest = post(alice_client, room, "\U0001f600" * 2001, htmx=htmx)
    assert longest.status_code == 200
    assert b"at most 2000 characters" in longest.content
    assert not Message.objects.exists()


def test_too_many_form_fields_are_refused(alice_client, room):
    fields = urlencode([("body", "hi")] + [(f"f{n}", "") for n in range(1500)])
    response = alice_client.post("/chat/general/messages/", fields, content_type=FORM, headers=HTMX)
    assert response.status_code == 400
    assert b"nothing of it was saved" in response.content
    assert not Message.objects.exists()


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/chat/general/")  # sets the CSRF cookie, as a visit would
    return client


@pytest.mark.parametrize("token", ["missing", "wrong", "another-users", "unmasked-cookie"])
def test_a_post_without_its_own_csrf_token_is_403_and_stores_nothing(room, alice, bob, token):
    client = csrf_client(alice)
    tokens = {
        "missing": None,
        "wrong": "x" * 64,
        "another-users": csrf_client(bob).cookies["csrftoken"].value,
        "unmasked-cookie": "A" * 32,
    }
    headers = {**HTMX, "X-CSRFToken": tokens[token]} if tokens[token] else HTMX
    response = client.post(
        "/chat/general/messages/", urlencode({"body": "forged"}), FORM, headers=headers
    )
    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert not Message.objects.exists()


def test_the_same_post_with_the_right_token_is_stored(room, alice):
    client = csrf_client(alice)
    headers = {**HTMX, "X-CSRFToken": client.cookies["csrftoken"].value}
    response = client.post(
        "/chat/general/messages/", urlencode({"body": "real"}), FORM, headers=headers
    )
    assert response.status_code == 200
    assert Message.objects.get().body == "real"


# Hostile bodies ----------------------------------------------------------------------------


@pytest.fixture
def twin_rooms(alice) -> tuple[Room, Room]:
    """Two rooms alike but for their messages: one gets a benign body, one a hostile one."""
    return Room.open("benign", by=alice), Room.open("hostile", by=alice)


# Bodies in the corpus that Markdown gives a meaning: entities are decoded, and line
# breaks make paragraphs and a code block. Everything else shows exactly as typed.
MARKDOWN_MEANINGFUL = {"entities", "newlines-and-tabs"}


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_a_hostile_body_is_stored_as_sent_and_shown_as_inert_text(alice_client, twin_rooms, name):
    body = HOSTILE_BODIES[name]
    benign_room, hostile_room = twin_rooms
    views = {}
    for room, text in [(benign_room, "hello"), (hostile_room, body)]:
        posted = post(alice_client, room, text)
        views[room] = {
            "post answer": posted.content.decode(),
            "room page": alice_client.get(f"/chat/{room.name}/").content.decode(),
            "catch-up": alice_client.get(f"/chat/{room.name}/messages/?after=0").content.decode(),
        }
    message = hostile_room.messages.get()
    assert message.body == expected_text(body)
    assert edit_field(alice_client, message) == message.body
    for view, html in views[hostile_room].items():
        benign = Markup(views[benign_room][view])
        hostile = Markup(html)
        # The page around the body is element for element the benign one's: no element,
        # attribute or id came from the text.
        assert hostile.shape() == benign.shape(), view
        assert without_message_ids(hostile.ids) == without_message_ids(benign.ids), view
        events = shown_inertly(html, message)
        if name not in MARKDOWN_MEANINGFUL:
            assert visible_text(events) == message.body, view


@pytest.mark.parametrize("name", REFUSED_BODIES)
@pytest.mark.parametrize("htmx", [True, False])
def test_an_invalid_body_gets_a_visible_error_and_is_neither_stored_nor_run(
    alice_client, room, name, htmx
):
    response = post(alice_client, room, REFUSED_BODIES[name], htmx=htmx)
    assert response.status_code == 200
    page = Markup(response.content.decode())
    assert "composer-error" in page.ids
    assert page.event_handlers() == []
    assert not Message.objects.exists()


EXAMPLES = hypothesis_settings(
    # One client and database serve every example; each example adds its own message.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


@EXAMPLES
@given(body=st.text(st.characters(exclude_categories=["Cs"]), max_size=2050))
def test_any_valid_body_is_stored_and_given_back_exactly(alice_client, room, body):
    ratelimit.reset()
    before = Message.objects.count()
    response = post(alice_client, room, body)
    assert response.status_code == 200
    form = MessageForm({"body": body})
    if not form.is_valid():
        assert Message.objects.count() == before
        assert "composer-error" in Markup(response.content.decode()).ids
        return
    message = Message.objects.latest("pk")
    assert message.body == form.cleaned_data["body"]
    assert edit_field(alice_client, message) == message.body
    shown_inertly(response.content.decode(), message)
    shown_inertly(alice_client.get("/chat/general/").content.decode(), message)
    catch_up = alice_client.get(f"/chat/general/messages/?after={message.pk - 1}")
    shown_inertly(catch_up.content.decode(), message)


# Text with nothing Markdown, auto-linking or mentions could read: letters, digits, marks,
# symbols and punctuation of every script but ASCII's markup characters, one space
# between words, one newline between lines (Markdown trims and merges other whitespace).
MARKUP_CHARACTERS = set("\\`*_[]()<>!#+-=|~&:@.{}\"'/%;?$^,")
PLAIN_WORDS = st.text(
    st.characters(
        exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"], exclude_characters=MARKUP_CHARACTERS
    ),
    min_size=1,
    max_size=12,
)
PLAIN_LINES = st.lists(PLAIN_WORDS, min_size=1, max_size=8).map(" ".join)


@EXAMPLES
@given(lines=st.lists(PLAIN_LINES, min_size=1, max_size=6))
def test_plain_text_is_displayed_exactly_as_typed(alice_client, room, lines):
    ratelimit.reset()
    body = "\n".join(lines)
    assert post(alice_client, room, body).status_code == 200
    message = Message.objects.latest("pk")
    assert message.body == body
    events = shown_inertly(alice_client.get("/chat/general/").content.decode(), message)
    assert visible_text(events) == body


@pytest.mark.django_db(transaction=True)
async def test_hostile_bodies_reach_sockets_as_inert_text(
    redis_layer, alice, bob, room, no_post_limit
):
    alice_client, bob_client = Client(), Client()
    await sync_to_async(alice_client.force_login)(alice)
    await sync_to_async(bob_client.force_login)(bob)
    socket = WebsocketCommunicator(
        application,
        "/ws/chat/general/",
        headers=[
            ORIGIN,
            (b"cookie", f"sessionid={bob_client.cookies['sessionid'].value}".encode()),
        ],
    )
    assert (await socket.connect())[0]
    shapes = {}
    for name, body in {"benign": "hello", **HOSTILE_BODIES}.items():
        response = await sync_to_async(post)(alice_client, room, body)
        assert response.status_code == 200
        message = await sync_to_async(Message.objects.latest)("pk")
        assert message.body == expected_text(body)
        frame = await next_frame_with(socket, f'id="message-{message.pk}"')
        events = shown_inertly(frame, message)
        if name not in MARKDOWN_MEANINGFUL:
            assert visible_text(events) == message.body, name
        shapes[name] = Markup(frame).shape()
    # Every fragment is element for element the benign one's, around the body.
    assert all(shape == shapes["benign"] for shape in shapes.values())
    await socket.disconnect()


class LogWatch(logging.Handler):
    """Collects records until `count` have come, then sets `done` (same event loop)."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.records: list[logging.LogRecord] = []
        self.done = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if len(self.records) >= self.count:
            self.done.set()


async def next_frame_with(socket: WebsocketCommunicator, text: str) -> str:
    """The next frame that contains `text`; frames about other things (presence) pass by."""
    while True:
        frame = await socket.receive_from(timeout=30)
        if text in frame:
            return frame


# Rate limits -------------------------------------------------------------------------------


def test_the_sixth_message_within_five_seconds_gets_429_and_is_not_stored(alice_client, room, bob):
    for number in range(5):
        assert post(alice_client, room, f"message {number}").status_code == 200
    refused = post(alice_client, room, "one too many")
    assert refused.status_code == 429
    page = Markup(refused.content.decode())
    assert "composer-error" in page.ids
    assert ratelimit.TOO_MANY_MESSAGES in refused.content.decode()
    # What was typed is kept, to send again in a moment.
    assert "one too many</textarea>" in refused.content.decode()
    assert "hx-swap-oob" not in refused.content.decode()
    assert Message.objects.count() == 5
    # Without JavaScript the whole page comes back with the same error.
    page = post(alice_client, room, "again", htmx=False)
    assert page.status_code == 429
    assert ratelimit.TOO_MANY_MESSAGES in page.content.decode()
    assert Message.objects.count() == 5
    # Other users are not affected.
    bob_client = Client()
    bob_client.force_login(bob)
    assert post(bob_client, room, "bob is fine").status_code == 200
    assert Message.objects.count() == 6


def test_the_post_limit_is_configurable(alice_client, room, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "2/minute"}
    assert [post(alice_client, room, f"m{n}").status_code for n in range(3)] == [200, 200, 429]


def test_invalid_messages_do_not_use_up_the_limit(alice_client, room):
    for _ in range(10):
        assert post(alice_client, room, "   ").status_code == 200
    assert post(alice_client, room, "still allowed").status_code == 200
    assert Message.objects.get().body == "still allowed"


def test_limits_live_in_redis_when_configured(settings, redis, alice_client, room):
    settings.RATE_LIMIT_STORAGE_URL = redis.url
    for number in range(5):
        assert post(alice_client, room, f"m{number}").status_code == 200
    # A new limiter (as in another process) sees the same counts.
    ratelimit.limiter.cache_clear()
    assert post(alice_client, room, "over").status_code == 429


def test_an_unreachable_limit_store_lets_posts_through_and_logs_it(
    settings, alice_client, room, caplog
):
    settings.RATE_LIMIT_STORAGE_URL = f"redis://127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.ERROR, logger="rooms.ratelimit"):
        statuses = [post(alice_client, room, f"m{n}").status_code for n in range(7)]
    assert statuses == [200] * 7
    assert Message.objects.count() == 7
    assert all(r.getMessage().startswith("Rate limit post unchecked") for r in caplog.records)
    assert len(caplog.records) == 7


def test_typing_events_are_limited_per_user():
    allowed = [ratelimit.allow("typing", 1) for _ in range(31)]
    assert allowed == [True] * 30 + [False]
    assert ratelimit.allow("typing", 2)


async def test_the_limit_can_be_checked_from_a_consumer():
    assert await ratelimit.allow_async("typing", 1)


LOGIN = "/accounts/login/"


def try_login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_failed_logins_are_limited_per_username(alice, bob):
    client = Client()
    for _ in range(5):
        response = try_login(client, "alice", "wrong")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content
    # Now even the right password is not checked: guessing has stopped paying off.
    refused = try_login(client, "alice", "correct horse battery")
    assert refused.status_code == 429
    assert ratelimit.TOO_MANY_LOGINS in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not affected.
    assert try_login(Client(), "bob", "correct horse battery").status_code == 302


def test_failed_logins_are_limited_per_address(db):
    client = Client(REMOTE_ADDR="127.0.0.7")
    for number in range(30):
        assert try_login(client, f"nobody{number}", "guess").status_code == 200
    assert try_login(client, "someone-else", "guess").status_code == 429
    assert try_login(Client(REMOTE_ADDR="127.0.0.8"), "someone-else", "guess").status_code == 200


def test_successful_logins_are_not_counted(alice):
    for _ in range(10):
        client = Client()
        assert try_login(client, "alice", "correct horse battery").status_code == 302


# Sockets -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_every_socket_of_that_user_and_only_theirs(
    redis_layer, alice, bob, room
):
    alice_client, bob_client = Client(), Client()
    await sync_to_async(alice_client.force_login)(alice)
    await sync_to_async(bob_client.force_login)(bob)

    def socket_of(client: Client) -> WebsocketCommunicator:
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        return WebsocketCommunicator(
            application, "/ws/chat/general/", headers=[ORIGIN, (b"cookie", cookie)]
        )

    alices, bobs = [socket_of(alice_client), socket_of(alice_client)], socket_of(bob_client)
    for socket in [*alices, bobs]:
        assert (await socket.connect())[0]
    response = await sync_to_async(alice_client.post)("/accounts/logout/")
    assert response.status_code == 302
    for socket in alices:
        # Whatever was already on its way (presence) may come first; then the close.
        while (output := await socket.receive_output(timeout=30))["type"] == "websocket.send":
            pass
        assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    message = await sync_to_async(room.post)(bob, "after alice left")
    await next_frame_with(bobs, f'id="message-{message.pk}"')
    for socket in alices:
        assert await socket.receive_nothing()
    await bobs.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_opened_after_logout_is_closed_with_4401(redis_layer, alice, room):
    client = Client()
    await sync_to_async(client.force_login)(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    await sync_to_async(client.post)("/accounts/logout/")
    socket = WebsocketCommunicator(
        application, "/ws/chat/general/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    await socket.connect()
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "frame",
    ["not json", "{", "[1, 2]", '"typing"', "null", '{"type": 5}', "\ufffd" * 100],
    ids=["text", "truncated", "list", "string", "null", "wrong-type", "replacement-chars"],
)
async def test_malformed_frames_are_ignored_and_logged(redis_layer, alice, room, frame):
    client = Client()
    await sync_to_async(client.force_login)(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(
        application, "/ws/chat/general/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    assert (await socket.connect())[0]
    logged = LogWatch(count=2)
    logger = logging.getLogger("rooms.consumers")
    logger.addHandler(logged)
    try:
        await socket.send_to(text_data=frame)
        await socket.send_to(bytes_data=b"\xff\xfe binary")
        async with asyncio.timeout(30):
            await logged.done.wait()
    finally:
        logger.removeHandler(logged)
    assert all(record.levelno == logging.INFO for record in logged.records)
    # The socket still delivers.
    message = await sync_to_async(room.post)(alice, "still here")
    await next_frame_with(socket, f'id="message-{message.pk}"')
    assert await sync_to_async(Message.objects.count)() == 1
    await socket.disconnect()


# Deployment settings -----------------------------------------------------------------------

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "chat.example.com",
    "HTTPS": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR, env=server_env(**env), capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"HTTPS": "0"}, "security.W012"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
    ],
)
def test_check_deploy_fails_without_each_production_setting(change, warning):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert warning in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_https_settings_make_cookies_secure_and_send_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_HTTPONLY)"
    )
    result = run_manage("shell", "-c", code, **PRODUCTION)
    printed = result.stdout.splitlines()[-1]
    assert printed.split() == ["True", "True", "True", "31536000", "True", "True"]
