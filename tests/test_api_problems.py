"""The API's errors as RFC 9457 problem details, the hostile-input corpus the composer
faces, CSRF for the session (never for keys), and the rate limit per key."""

from __future__ import annotations

import json

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bots import keys
from rooms.forms import MessageForm
from rooms.models import Message
from tests.api_support import *  # noqa: F403 (its fixtures)
from tests.api_support import JSON, key_client, post_json, post_text, problem
from tests.markup import HOSTILE_BODIES, REFUSED_BODIES, body_events, outside_the_subset
from tests.security import expected_text

MESSAGES = "/api/v1/rooms/general/messages"


@pytest.fixture
def no_post_limit(settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "10000/second", "api": "10000/second"}


def composer_errors(body: str) -> list[str]:
    """What the composer says of `body` (the API must say the same)."""
    form = MessageForm({"body": body})
    assert not form.is_valid()
    return [str(error) for error in form.errors["body"]]


# Problem shapes ----------------------------------------------------------------------------


def test_401_says_how_to_authenticate(room):
    response = Client().get("/api/v1/rooms")
    document = problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in document["detail"]
    assert set(document) == {"type", "title", "status", "detail"}


def test_404_is_a_problem_too(bot_client, room):
    document = problem(bot_client.get("/api/v1/rooms/nowhere/messages"), 404)
    assert document["title"] == "Not Found"


def test_422_lists_what_is_wrong_field_by_field(bot_client, room):
    document = problem(post_json(bot_client, "general", {"body": ""}), 422)
    assert document["errors"] == [{"field": "body", "message": composer_errors("")[0]}]


def test_malformed_json_is_400(bot_client, room):
    for raw in [b"{", b"{'body': 'x'}", b"\xff\xfe", b'{"body": "\\ud800"}']:
        response = bot_client.post(MESSAGES, raw, content_type=JSON)
        problem(response, 400)
    assert not Message.objects.exists()


def test_text_that_is_not_utf8_is_400(bot_client, room):
    problem(post_text(bot_client, "general", b"caf\xe9"), 400)


def test_an_unknown_content_type_is_415(bot_client, room):
    for content_type in ["application/xml", "image/png", ""]:
        response = bot_client.post(MESSAGES, b"<x/>", content_type=content_type)
        problem(response, 415)


def test_a_body_over_the_request_limit_is_413_and_stores_nothing(bot_client, room, settings):
    big = json.dumps({"body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    problem(bot_client.post(MESSAGES, big, content_type=JSON), 413)
    assert not Message.objects.exists()


def test_malformed_multipart_is_400(bot_client, room):
    response = bot_client.post(
        MESSAGES, b"--x\r\nnot a part", content_type="multipart/form-data; boundary=x"
    )
    assert response.status_code in (400, 422), response.content
    assert response.headers["Content-Type"] == "application/problem+json"


def test_files_over_the_limit_are_413_naming_the_file(bot_client, room, settings, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("huge.log", b"x" * 11)
    response = bot_client.post(MESSAGES, {"body": "log", "attachments": [big]})
    document = problem(response, 413)
    assert "huge.log" in document["errors"][0]["message"]
    assert not Message.objects.exists()


# The hostile-input corpus ------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_a_hostile_body_is_stored_as_sent_and_given_back_as_the_formatter_made_it(
    bot_client, room, name
):
    body = HOSTILE_BODIES[name]
    for response in [
        post_json(bot_client, "general", {"body": body}),
        post_text(bot_client, "general", body.encode()),
    ]:
        assert response.status_code == 201, response.content
        message = Message.objects.get(pk=response.json()["id"])
        assert message.body == expected_text(body)
        data = bot_client.get(f"/api/v1/messages/{message.pk}").json()
        assert data["body"] == message.body
        assert data["html"] == message.body_html
        assert outside_the_subset(body_events(data["html"])) == []


@pytest.mark.parametrize("name", REFUSED_BODIES)
def test_a_refused_body_gets_the_composers_own_error_and_nothing_is_stored(bot_client, room, name):
    body = REFUSED_BODIES[name]
    for response in [
        post_json(bot_client, "general", {"body": body}),
        post_text(bot_client, "general", body.encode()),
        bot_client.post(MESSAGES, {"body": body}),
    ]:
        document = problem(response, 422)
        assert [e["message"] for e in document["errors"]] == composer_errors(body)
    assert not Message.objects.exists()


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.text(min_size=1, max_size=300))
def test_any_text_is_stored_exactly_or_refused_as_the_composer_refuses_it(
    no_post_limit, bot_client, room, body
):
    response = post_json(bot_client, "general", {"body": body})
    form = MessageForm({"body": body})
    if form.is_valid():
        assert response.status_code == 201, response.content
        assert Message.objects.get(pk=response.json()["id"]).body == form.cleaned_data["body"]
    else:
        assert response.status_code == 422


def test_a_huge_or_hostile_bearer_header_is_refused_cleanly(room):
    for value in ["Bearer " + "x" * 10_000, "Bearer \x00", "Bearer", "bearer  ", "Bearer é"]:
        client = Client(headers={"Authorization": value})
        problem(client.get("/api/v1/rooms"), 401)


# CSRF --------------------------------------------------------------------------------------


def test_session_requests_need_the_csrf_token_key_requests_do_not(alice, bot_client, room):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.get("/api/v1/rooms").status_code == 200
    assert "CSRF" in problem(post_json(browser, "general", {"body": "forged"}), 403)["detail"]
    assert not Message.objects.exists()
    token = get_token(RequestFactory().get("/"))
    browser.cookies["csrftoken"] = token
    response = post_json(browser, "general", {"body": "mine"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert post_json(bot_client, "general", {"body": "no csrf"}).status_code == 201


def test_no_key_and_no_session_is_401_not_a_csrf_error(room):
    problem(post_json(Client(enforce_csrf_checks=True), "general", {"body": "x"}), 401)


def test_a_wrong_key_is_401_even_with_a_session(alice, room):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": "Bearer chat_nope"})
    client.force_login(alice)
    problem(client.get("/api/v1/rooms"), 401)


# Rate limits -------------------------------------------------------------------------------


def test_requests_are_limited_per_key_with_retry_after(settings, ci_bot, alice, alice_token):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": "3/minute"}
    client = key_client(ci_bot[1])
    assert [client.get("/api/v1/rooms").status_code for _ in range(3)] == [200] * 3
    response = client.get("/api/v1/rooms")
    document = problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["Retry-After"] in document["detail"]
    # Another key has its own allowance, even the same person's next token.
    assert key_client(alice_token).get("/api/v1/rooms").status_code == 200
    # A new key of the same bot starts afresh too: the count is per key.
    fresh = keys.rotate_bot_key(ci_bot[0]).key
    assert key_client(fresh).get("/api/v1/rooms").status_code == 200


def test_posts_keep_the_composers_limit_per_account(settings, bot_client, room):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": "2/minute"}
    assert [post_text(bot_client, "general", "x").status_code for _ in range(2)] == [201] * 2
    response = post_text(bot_client, "general", "x")
    problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert Message.objects.count() == 2
