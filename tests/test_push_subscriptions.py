"""Subscribing devices and removing them: the endpoint takes only a signed-in person's
CSRF-protected JSON of a real subscription, refuses anything else with a clear 400 and stores
nothing; a person lists and removes their own devices (with or without JavaScript), never
another's. And the service worker, served at the root."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from push.forms import MAX_BODY_BYTES
from push.models import PushSubscription
from support.push_receiver import PushReceiver
from tests.push import SUBSCRIPTIONS, receiver_fixture, subscribe, vapid_fixture  # noqa: F401 (fixtures)


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


def with_changes(subscription: dict, **changes) -> dict:
    keys = {**subscription["keys"]}
    for name in ("p256dh", "auth"):
        if name in changes:
            keys[name] = changes.pop(name)
    return {**subscription, **changes, "keys": keys}


def test_a_device_subscribes_and_is_listed_on_the_settings_page(
    alice, alice_client, vapid, receiver
):
    response = subscribe(
        alice_client, receiver.subscription, HTTP_USER_AGENT="Firefox\x00 on\u202e Linux"
    )
    assert response.status_code == 201
    device = PushSubscription.objects.get(user=alice)
    assert device.endpoint == receiver.endpoint
    assert device.user_agent == "Firefox on Linux"  # printable only
    assert 'id="push-devices"' in response.content.decode()
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "Enable push on this device" in page
    assert f'data-vapid-public-key="{vapid}"' in page
    assert "Firefox on Linux" in page
    assert f'action="/notifications/subscriptions/{device.pk}/delete/"' in page
    # The same device again: updated, not doubled.
    assert subscribe(alice_client, receiver.subscription).status_code == 200
    assert PushSubscription.objects.count() == 1


def test_a_device_subscribing_for_someone_else_moves_to_them(
    alice_client, bob, bob_client, vapid, receiver
):
    assert subscribe(alice_client, receiver.subscription).status_code == 201
    assert subscribe(bob_client, receiver.subscription).status_code == 200
    assert list(PushSubscription.objects.values_list("user__username", flat=True)) == ["bob"]


def test_subscribing_needs_the_csrf_token_and_a_signed_in_person(alice, vapid, receiver):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert subscribe(strict, receiver.subscription).status_code == 403
    strict.get("/accounts/profile/")
    token = strict.cookies["csrftoken"].value
    assert subscribe(strict, receiver.subscription, HTTP_X_CSRFTOKEN=token).status_code == 201
    anonymous = subscribe(Client(), receiver.subscription)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert PushSubscription.objects.count() == 1


def test_with_push_off_subscribing_answers_503_and_says_why(alice_client, receiver, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    response = subscribe(alice_client, receiver.subscription)
    assert response.status_code == 503
    assert "Push notifications are off on this site" in response.content.decode()
    assert not PushSubscription.objects.exists()
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "Push notifications are off on this site." in page
    assert "Enable push on this device" not in page


def bad_subscriptions(good: dict) -> list[tuple[object, str]]:
    """(body, what the answer says) for everything that is not a usable subscription."""
    long_endpoint = good["endpoint"] + "x" * 1000
    return [
        (b"", "JSON of the browser's push subscription"),
        (b"not json", "JSON of the browser's push subscription"),
        (b"\xff\xfe", "JSON of the browser's push subscription"),
        (b"[1, 2]", "JSON of the browser's push subscription"),
        (b'"a string"', "JSON of the browser's push subscription"),
        ({"endpoint": good["endpoint"]}, "JSON of the browser's push subscription"),
        ({**good, "keys": "p256dh"}, "JSON of the browser's push subscription"),
        (with_changes(good, endpoint=None), "endpoint: This field is required"),
        (with_changes(good, endpoint=""), "endpoint: This field is required"),
        (with_changes(good, endpoint=42), "scheme"),
        (with_changes(good, endpoint=long_endpoint), "endpoint: Ensure this value has at most"),
        (with_changes(good, endpoint="javascript:alert(1)"), "scheme 'javascript'"),
        (with_changes(good, endpoint="ftp://push.example/x"), "scheme 'ftp'"),
        (with_changes(good, endpoint="http://push.example/x"), "must be an https URL"),
        (with_changes(good, endpoint="http://127.0.0.3/x"), "not a public address"),
        (with_changes(good, endpoint="https://192.168.1.1/x"), "not a public address"),
        (with_changes(good, endpoint="https://user:pw@push.example/x"), "user name or password"),
        (with_changes(good, endpoint="https://0x7f.1/x"), "unusual spelling"),
        (with_changes(good, endpoint="https://push.example\r\n/x"), "control characters"),
        (with_changes(good, p256dh=""), "p256dh: This field is required"),
        (with_changes(good, p256dh="A" * 87), "not a P-256 key"),  # 65 bytes, not a point
        (with_changes(good, p256dh="!!" + good["keys"]["p256dh"][2:]), "not a P-256 key"),
        (with_changes(good, p256dh="B" * 101), "p256dh: Ensure this value has at most"),
        (with_changes(good, p256dh=["x"]), "not a P-256 key"),
        (with_changes(good, auth=""), "auth: This field is required"),
        (with_changes(good, auth="c2hvcnQ"), "not 16 bytes"),
        (with_changes(good, auth="*" * 22), "not 16 bytes"),
        (with_changes(good, auth="\u0000" * 22), "auth:"),
        (b"x" * (MAX_BODY_BYTES + 1), f"at most {MAX_BODY_BYTES} bytes"),
    ]


def test_anything_but_a_usable_subscription_is_refused_clearly_and_stores_nothing(
    alice_client, vapid, receiver
):
    for body, reason in bad_subscriptions(receiver.subscription):
        response = subscribe(alice_client, body)
        assert response.status_code == 400, body
        assert response["Content-Type"].startswith("text/plain")
        assert reason in response.content.decode(), (body, response.content)
    assert not PushSubscription.objects.exists()


def test_a_person_has_at_most_so_many_devices(alice_client, vapid, receiver, settings):
    settings.WEBPUSH_MAX_DEVICES = 2
    for number in range(2):
        device = PushReceiver(receiver.site, f"/push/{number}")
        assert subscribe(alice_client, device.subscription).status_code == 201
    response = subscribe(alice_client, receiver.subscription)
    assert response.status_code == 400
    assert "You have 2 devices with push already: remove one first." in response.content.decode()
    assert PushSubscription.objects.count() == 2


@pytest.fixture
def alice_device(alice_client, vapid, receiver) -> PushSubscription:
    assert subscribe(alice_client, receiver.subscription).status_code == 201
    return PushSubscription.objects.get()


def test_removing_a_device_with_a_plain_form(alice_client, alice_device):
    response = alice_client.post(f"/notifications/subscriptions/{alice_device.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/#push"
    assert not PushSubscription.objects.exists()
    assert (
        "No device gets push notifications yet."
        in alice_client.get(response["Location"]).content.decode()
    )


def test_removing_a_device_with_delete(alice_client, alice_device):
    url = f"/notifications/subscriptions/{alice_device.pk}/"
    assert alice_client.delete(url).status_code == 204
    assert alice_client.delete(url).status_code == 404
    assert alice_client.get(url).status_code == 405


def test_this_device_unsubscribes_by_its_endpoint(alice_client, alice_device):
    body = json.dumps({"endpoint": alice_device.endpoint})
    assert (
        alice_client.delete(SUBSCRIPTIONS, body, content_type="application/json").status_code == 204
    )
    assert not PushSubscription.objects.exists()
    assert (
        alice_client.delete(SUBSCRIPTIONS, body, content_type="application/json").status_code == 404
    )
    for bad in (b"", b"{}", b"[]", b'{"endpoint": 3}', b"\xff"):
        response = alice_client.delete(SUBSCRIPTIONS, bad, content_type="application/json")
        assert response.status_code == 400
        assert "the device to remove" in response.content.decode()


def test_another_persons_devices_are_not_found(alice_device, bob_client):
    pk = alice_device.pk
    assert bob_client.post(f"/notifications/subscriptions/{pk}/delete/").status_code == 404
    assert bob_client.delete(f"/notifications/subscriptions/{pk}/").status_code == 404
    body = json.dumps({"endpoint": alice_device.endpoint})
    assert (
        bob_client.delete(SUBSCRIPTIONS, body, content_type="application/json").status_code == 404
    )
    assert PushSubscription.objects.filter(pk=pk).exists()
    assert alice_device.endpoint not in bob_client.get("/accounts/profile/").content.decode()


def test_removing_needs_the_csrf_token(alice, alice_device):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"/notifications/subscriptions/{alice_device.pk}/delete/").status_code == 403
    assert strict.delete(f"/notifications/subscriptions/{alice_device.pk}/").status_code == 403
    assert PushSubscription.objects.exists()


def test_the_service_worker_is_served_at_the_root_to_anyone(client):
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    text = response.content.decode()
    assert 'addEventListener("push"' in text
    assert 'addEventListener("notificationclick"' in text
    assert client.post("/service-worker.js").status_code == 405
