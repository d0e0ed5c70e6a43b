"""Pushing a message to people's devices, through a real push receiver on loopback that
decrypts every payload (RFC 8291) and checks its VAPID signature (RFC 8292) with nothing of
the site's code: who gets what, what a gone device or a busy push service does, and the
https-only rule for endpoints. The task runs here with the worker's own code."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from push import keys
from push.delivery import MAX_RETRY_AFTER, retry_after
from push.models import PushSubscription
from push.payload import MAX_BYTES
from rooms.actions import delete_message, open_direct, open_room, post_message
from support.push_receiver import WEB_HOST, PushReceiver
from tests.link_cards import run_queued_tasks
from tests.push import CONTACT, receiver_fixture, subscribe, vapid_fixture  # noqa: F401 (fixtures)

RETRY_TASK = "push.tasks.retry_push"


def device_of(user, subscription) -> PushSubscription:
    client = Client()
    client.force_login(user)
    assert subscribe(client, subscription).status_code == 201
    return PushSubscription.objects.get(endpoint=subscription["endpoint"])


@pytest.fixture
def bob_device(bob, vapid, receiver: PushReceiver) -> PushSubscription:
    return device_of(bob, receiver.subscription)


@pytest.fixture
def direct(alice, bob):
    return open_direct(alice, bob)


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Post as a person does: the message committed, its on-commit work (the push task
    queued) done."""

    def posting(room, author, body):
        with django_capture_on_commit_callbacks(execute=True):
            return post_message(room, author, body)

    return posting


def queued_retries() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=RETRY_TASK, status="READY"))


def test_a_direct_message_reaches_the_device_encrypted_and_signed(
    alice, bob_device, receiver, direct, post, vapid
):
    message = post(direct, alice, "Lunch at *noon*?")
    assert receiver.requests() == []  # posting sent nothing: the worker does
    assert run_queued_tasks() == [1]
    [push] = receiver.pushes()
    assert push.payload == {
        "title": "alice",
        "body": "Lunch at noon?",
        "url": message.get_absolute_url(),
        "tag": f"chat-room-{direct.pk}",
    }
    # Signed with the site's key, for this push service's origin, naming the site's contact.
    assert push.vapid_key == vapid
    assert push.claims["sub"] == CONTACT
    assert push.claims["exp"] > timezone.now().timestamp()
    assert push.request.headers["urgency"] == "high"
    bob_device.refresh_from_db()
    assert bob_device.last_success_at is not None


def test_in_a_public_room_a_mention_is_pushed_and_other_messages_are_not(
    alice, bob, bob_device, receiver, post
):
    room = open_room("general", by=alice)
    # Alice's own device gets nothing of her own messages.
    alices = PushReceiver(receiver.site, "/push/alice")
    device_of(alice, alices.subscription)
    post(room, alice, "just talking")
    post(room, alice, "@bob have a look")
    run_queued_tasks()
    assert alices.requests() == []
    [push] = receiver.pushes()
    assert push.payload["title"] == "alice in #general"
    assert push.payload["body"] == "@bob have a look"
    assert push.request.headers["urgency"] == "normal"


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_no_longer_knows_is_deleted(
    alice, bob_device, receiver, direct, post, status
):
    receiver.answers = [status]
    post(direct, alice, "are you there?")
    assert run_queued_tasks() == [0]
    assert len(receiver.requests()) == 1
    assert not PushSubscription.objects.filter(pk=bob_device.pk).exists()
    assert queued_retries() == []


def test_a_failing_push_service_is_tried_again_and_the_push_delivered(
    alice, bob_device, receiver, direct, post
):
    receiver.answers = [500]
    post(direct, alice, "second time lucky")
    # The message's task, then the device's retry (due at once: WEBPUSH_RETRY_DELAY is 0).
    assert run_queued_tasks() == [0, 1]
    assert len(receiver.requests()) == 2
    [push] = receiver.pushes()
    assert push.payload["body"] == "second time lucky"


def test_retry_after_is_honoured(alice, bob_device, receiver, direct, post):
    receiver.answers, receiver.retry_after = [429], "120"
    post(direct, alice, "not now")
    before = timezone.now()
    assert run_queued_tasks() == [0]  # the retry is not due yet
    [retry] = queued_retries()
    assert before + timedelta(seconds=110) < retry.run_after < before + timedelta(seconds=130)
    assert json.loads(json.dumps(retry.args_kwargs))["args"][2] == 2  # the second try


def test_a_device_is_tried_three_times_at_most(alice, bob_device, receiver, direct, post):
    receiver.answers = [503, 503, 503]
    post(direct, alice, "anyone?")
    assert run_queued_tasks() == [0, 0, 0]
    assert len(receiver.requests()) == 3
    assert queued_retries() == []
    assert PushSubscription.objects.filter(pk=bob_device.pk).exists()  # kept for next time


def test_a_push_service_that_does_not_answer_is_tried_again(
    alice, bob, receiver, vapid, direct, post
):
    with socket.socket() as closed:  # a port on the allowed address that nobody listens on
        closed.bind((WEB_HOST, 0))
        port = closed.getsockname()[1]
    dead = PushSubscription.objects.create(
        user=bob, endpoint=f"http://{WEB_HOST}:{port}/push", **receiver.subscription["keys"]
    )
    post(direct, alice, "hello?")
    assert run_queued_tasks() == [0, 0, 0]  # refused connections: tried again, then given up
    assert PushSubscription.objects.filter(pk=dead.pk).exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example/device",  # a name over plain http: it could resolve anywhere
        "http://127.0.0.3:9/device",  # loopback outside OUTBOUND_ALLOWED_NETWORKS
        "https://10.0.0.1/device",  # a private address, even over https
        "https://127.0.0.1:9/device",
    ],
)
def test_an_endpoint_the_rules_refuse_gets_nothing_and_is_deleted(
    alice, bob, receiver, vapid, direct, post, endpoint
):
    stored = PushSubscription.objects.create(
        user=bob, endpoint=endpoint, **receiver.subscription["keys"]
    )
    post(direct, alice, "secret plans")
    assert run_queued_tasks() == [0]
    assert not PushSubscription.objects.filter(pk=stored.pk).exists()
    assert queued_retries() == []


def test_every_device_of_a_person_gets_the_push(alice, bob, bob_device, receiver, direct, post):
    other = PushReceiver(receiver.site, "/push/device-2")
    device_of(bob, other.subscription)
    post(direct, alice, "on all your devices")
    assert run_queued_tasks() == [2]
    assert [push.payload["body"] for push in receiver.pushes() + other.pushes()] == [
        "on all your devices"
    ] * 2


def test_a_long_message_is_pushed_as_an_excerpt_within_the_size_limit(
    alice, bob_device, receiver, direct, post
):
    post(direct, alice, "ñ" * 300 + " " + "🎉" * 9000)
    run_queued_tasks()
    [push] = receiver.pushes()
    assert len(json.dumps(push.payload, ensure_ascii=False).encode()) <= MAX_BYTES
    assert push.payload["body"].startswith("ñ" * 300)
    assert push.payload["body"].endswith("…")


def test_a_message_deleted_before_the_worker_runs_is_not_pushed(
    alice, bob_device, receiver, direct, post, django_capture_on_commit_callbacks
):
    message = post(direct, alice, "oops, wrong person")
    with django_capture_on_commit_callbacks(execute=True):
        delete_message(message)
    run_queued_tasks()
    assert receiver.requests() == []


def test_with_push_off_posting_queues_nothing(alice, bob_device, receiver, direct, post, settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    post(direct, alice, "quiet")
    assert not DBTaskResult.objects.filter(task_path="push.tasks.push_message").exists()
    assert receiver.requests() == []


def test_keys_that_do_not_match_turn_push_off(alice, bob_device, receiver, direct, post, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = keys.generate()[0]  # another pair's public half
    assert not keys.enabled()
    post(direct, alice, "quiet")
    run_queued_tasks()
    assert receiver.requests() == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("", None), ("30", 30.0), ("0", 0.0), ("999999", MAX_RETRY_AFTER), ("soon", None),
     ("-5", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)  # fmt: skip
def test_retry_after_headers_are_read_within_limits(header, seconds):
    assert retry_after(header) == seconds


def test_a_retry_after_date_is_a_wait_until_then():
    later = format_datetime(timezone.now() + timedelta(seconds=90), usegmt=True)
    assert 80 < retry_after(later) <= 90
