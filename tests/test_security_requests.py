"""Hostile requests: the Content Security Policy and htmx configuration every page sends,
and oversized or forged posts, refused visibly and storing nothing."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from rooms.actions import post_message
from rooms.models import Message
from tests.markup import Markup
from tests.security import (
    FORM,
    HTMX,
    fresh_rate_limits,  # noqa: F401 (autouse: every test here)
    post,
)

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
    # Link cards' and attachments' images come from this site (previews are stored here).
    assert directives["img-src"] == ["'self'", "data:"]
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
    post_message(room, alice, "hello")
    for path in ["/chat/", "/chat/general/", "/accounts/signup/"]:
        page = Markup(alice_client.get(path).content.decode())
        # Data blocks (json_script) are never run; every script that runs is a file.
        code = [script for script in page.scripts() if script.get("type") != "application/json"]
        assert code, path
        assert all(script.get("src", "").startswith("/static/") for script in code)
        data = [script for script in page.scripts() if script.get("type") == "application/json"]
        assert all("src" not in script for script in data)
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
    longest = post(alice_client, room, "\U0001f600" * 10001, htmx=htmx)
    assert longest.status_code == 200
    assert b"at most 10000 characters" in longest.content
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
