"""What the web push tests share: the site's VAPID keys in the settings, a loopback push
receiver holding a device's subscription, and subscribing as a signed-in person does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from push import keys
from support.push_receiver import WEB_HOST, PushReceiver, push_receiver

CONTACT = "mailto:ops@chat.example"
SUBSCRIPTIONS = "/notifications/subscriptions/"


@pytest.fixture(name="vapid")
def vapid_fixture(settings) -> str:
    """Push on, with a fresh key pair (`manage.py webpush_keys`' own code); the public key."""
    public, private = keys.generate()
    settings.WEBPUSH_VAPID_PUBLIC_KEY, settings.WEBPUSH_VAPID_PRIVATE_KEY = public, private
    settings.WEBPUSH_CONTACT = CONTACT
    settings.WEBPUSH_RETRY_DELAY = 0  # a retry is due at once: the tests run it when they like
    settings.OUTBOUND_ALLOWED_NETWORKS = [f"{WEB_HOST}/32"]
    return public


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[PushReceiver]:
    with push_receiver() as receiver:
        yield receiver


def subscribe(client: Client, subscription: Any, **extra: Any):
    """POST a subscription (a dict as JSON, or raw bytes) as the page does."""
    body = subscription if isinstance(subscription, bytes) else json.dumps(subscription)
    return client.post(SUBSCRIPTIONS, body, content_type="application/json", **extra)
