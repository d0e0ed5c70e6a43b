"""What tests/test_api_*.py and tests/test_bots*.py share: a bot with its key, a person's
personal token, clients that send them, and the problem document's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bots import keys
from bots.models import Bot
from tests.security import fresh_rate_limits

# Fixtures, for `from tests.api_support import *` (helpers are imported by name).
__all__ = ["alice_api", "alice_token", "bot_client", "ci_bot", "fresh_rate_limits"]

PROBLEM = "application/problem+json"
JSON = "application/json"


def key_client(key: str) -> Client:
    """A client that sends `key` as a bearer token, and enforces CSRF as browsers meet it
    (so a request that passes shows that keys need no CSRF token)."""
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def ci_bot(db) -> tuple[Bot, str]:
    """A bot called "ci", and its key."""
    bot, issued = keys.create_bot("ci", by=None, display_name="CI")
    return bot, issued.key


@pytest.fixture
def bot_client(ci_bot) -> Client:
    return key_client(ci_bot[1])


@pytest.fixture
def alice_token(alice) -> str:
    return keys.issue_token(alice, "laptop").key


@pytest.fixture
def alice_api(alice_token) -> Client:
    return key_client(alice_token)


def post_json(client: Client, room: str, payload: Any, **extra: Any):
    return client.post(
        f"/api/v1/rooms/{room}/messages", json.dumps(payload), content_type=JSON, **extra
    )


def post_text(client: Client, room: str, text: str | bytes, **extra: Any):
    return client.post(f"/api/v1/rooms/{room}/messages", text, content_type="text/plain", **extra)


def problem(response, status: int) -> dict[str, Any]:
    """The response's problem document (RFC 9457), checked for its shape and `status`."""
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == PROBLEM
    document = response.json()
    assert document["type"] == "about:blank"
    assert document["status"] == status
    assert isinstance(document["title"], str)
    assert isinstance(document["detail"], str)
    assert document["title"]
    assert document["detail"]
    return document
