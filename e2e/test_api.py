"""The HTTP API against real servers and Chromium: a bot posts and open pages show it live,
marked as a bot's; a personal token made on the settings page works until revoked there;
the interactive docs load from this site alone, the CSP holding (no console error)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, messages_with
from support.asgi import AsgiServer, manage
from support.site import Site


def call(
    server: AsgiServer, path: str, key: str, body: bytes | None = None, content_type: str = ""
) -> tuple[int, dict]:
    """One API request, as curl would make it: the key as a bearer token, no cookies."""
    headers = {"Authorization": f"Bearer {key}"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(server.url + path, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def new_bot(site: Site) -> str:
    """A new bot's key, made as CI would make it: `manage.py createbot <name>`."""
    return manage(site.env, "createbot", f"ci-{uuid.uuid4().hex[:8]}").strip()


def test_a_bot_posts_and_open_pages_show_it_live(in_room, site: Site, room_name: str):
    alice, bob = in_room(room_name, "alice", "bob")
    key = new_bot(site)
    # Posted to the second server: the first's page gets it through Redis, as a person's.
    status, posted = call(
        site.servers[1], f"/api/v1/rooms/{room_name}/messages", key, b"Build **42** passed",
        "text/plain",
    )  # fmt: skip
    assert status == 201, posted
    for page in (alice, bob):
        message = messages_with(page, "Build 42 passed")
        expect(message).to_have_count(1)
        expect(message.locator(".bot-mark")).to_have_text("bot")
        expect(message.locator(".body strong")).to_have_text("42")
    status, history = call(
        site.servers[0], f"/api/v1/rooms/{room_name}/messages?after={posted['id'] - 1}", key
    )
    assert status == 200
    assert [m["body"] for m in history["messages"]] == ["Build **42** passed"]


def test_a_personal_token_works_until_revoked_on_the_settings_page(
    logged_in, server: AsgiServer, room_name: str
):
    page: Page = logged_in("alice")
    enter_room(page, room_name)
    page.goto("/accounts/profile/")
    name = f"script-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Token name").fill(name)
    page.get_by_role("button", name="Make a token").click()
    key = page.get_by_label("Key").input_value()
    assert re.fullmatch(r"chat_[A-Za-z0-9_-]{43}", key)
    path = f"/api/v1/rooms/{room_name}/messages"
    status, _posted = call(
        server, path, key, json.dumps({"body": "hi"}).encode(), "application/json"
    )
    assert status == 201
    page.get_by_role("link", name="Back to your settings").click()
    token = page.locator(".api-token", has_text=name)
    token.get_by_role("button", name="Revoke").click()
    expect(page.locator(".api-token", has_text=name)).to_have_count(0)
    status, problem = call(server, path, key, b"again", "text/plain")
    assert status == 401
    assert problem["status"] == 401


def test_the_api_docs_load_from_this_site_with_no_console_error(
    logged_in, console, server: AsgiServer
):
    page: Page = logged_in("alice")
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(server.url) else elsewhere.append(request.url)
        ),
    )
    page.goto("/api/v1/docs")
    expect(page.get_by_text("/api/v1/rooms/{room}/messages").first).to_be_visible()
    expect(page.get_by_text("Chat API").first).to_be_visible()
    assert elsewhere == []
