"""Delivering outgoing webhooks through the real task path, in this process: a post queues
the delivery (and sends nothing itself); db_worker's own code runs it against a verifying
receiver on a loopback site, through the guarded client; what fails for the receiver's
trouble is retried with backoff, at most 3 times; what the receiver refuses is not."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rooms.actions import post_message
from support.http_sites import reply, silent_listener, slow_drip
from tests.link_cards import run_queued_tasks, web_fixture  # noqa: F401 (fixture)
from tests.webhooks import (  # noqa: F401 (fixture)
    fast_retries_fixture,
    hooked_bot,
    post_and_deliver,
    queued_deliveries,
    replies_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pingbot(web):
    return hooked_bot(web)


def test_the_post_only_queues_and_the_worker_sends_a_signed_payload(
    room, alice, pingbot, web, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = post_message(room, alice, "@pingbot **status**?")
    # Posting sent nothing: the delivery waits in the queue for the worker.
    assert web.requests == []
    [(bot_id, message_id, delivery)] = queued_deliveries()
    assert (bot_id, message_id) == (pingbot.bot.pk, message.pk)

    assert run_queued_tasks() == ["delivered"]
    [request] = web.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "chatsite-webhook/1.0"
    assert request.headers["accept"] == "text/plain, application/json"
    assert request.headers["x-chat-delivery"] == delivery
    assert pingbot.receiver.rejected == []
    [sent] = pingbot.receiver.verified
    assert sent == {
        "message": {
            "id": message.pk,
            "body": "@pingbot **status**?",
            "html": message.body_html,
            "url": f"http://localhost:8000/chat/general/?around={message.pk}#message-{message.pk}",
            "created_at": message.created_at.isoformat(),
        },
        "room": {"name": "general", "kind": "public", "url": "http://localhost:8000/chat/general/"},
        "author": {"username": "alice", "display_name": "alice"},
        "bot": {"username": "pingbot"},
        "reply_url": "http://localhost:8000/api/v1/rooms/general/messages",
    }
    assert "<strong>status</strong>" in sent["message"]["html"]


def test_a_receiver_with_another_secret_cannot_verify_the_request(
    room, alice, pingbot, django_capture_on_commit_callbacks, caplog
):
    pingbot.receiver.secret = "not the bot's secret"
    with caplog.at_level(logging.INFO, logger="bots"):
        _message, outcomes = post_and_deliver(
            django_capture_on_commit_callbacks, room, alice, "@pingbot hello"
        )
    # The receiver refused it (401): a 4xx is never retried.
    assert outcomes == ["given up"]
    assert (len(pingbot.receiver.rejected), pingbot.receiver.verified) == (1, [])
    assert "answered 401" in caplog.text


def test_5xx_is_retried_with_the_same_delivery_id_then_the_reply_posts(
    room, alice, pingbot, web, fast_retries, django_capture_on_commit_callbacks
):
    pingbot.receiver.answers = [reply("down", status=500), reply("busy", status=503)]
    pingbot.receiver.answers.append(reply("Back again"))
    message, outcomes = post_and_deliver(
        django_capture_on_commit_callbacks, room, alice, "@pingbot are you up?"
    )
    assert outcomes == ["retrying", "retrying", "replied"]
    assert pingbot.receiver.hits == 3
    deliveries = {request.headers["x-chat-delivery"] for request in web.requests}
    assert len(deliveries) == 1  # one delivery, three attempts: receivers deduplicate by it
    [answer] = replies_of(pingbot)
    assert (answer.body, answer.room, answer.reply_to) == ("Back again", room, message)


def test_at_most_3_retries_then_it_gives_up_and_logs(
    room, alice, pingbot, fast_retries, django_capture_on_commit_callbacks, caplog
):
    pingbot.receiver.answers = [reply("down", status=500)]
    with caplog.at_level(logging.INFO, logger="bots"):
        _message, outcomes = post_and_deliver(
            django_capture_on_commit_callbacks, room, alice, "@pingbot anyone?"
        )
    assert outcomes == ["retrying", "retrying", "retrying", "given up"]
    assert pingbot.receiver.hits == 4
    assert "Gave up the webhook of bot pingbot" in caplog.text
    assert "after 4 attempts" in caplog.text
    assert replies_of(pingbot) == []
    assert queued_deliveries() == []


def test_retries_wait_10_60_then_300_seconds(
    room, alice, pingbot, django_capture_on_commit_callbacks
):
    pingbot.receiver.answers = [reply("down", status=502)]
    with django_capture_on_commit_callbacks(execute=True):
        post_message(room, alice, "@pingbot later then")
    for delay in (10, 60, 300):
        before = timezone.now()
        assert run_queued_tasks() == ["retrying"]
        # Not ready yet: the retry waits for its time.
        [retry] = DBTaskResult.objects.filter(status="READY")
        assert before + timedelta(seconds=delay) <= retry.run_after
        assert retry.run_after <= timezone.now() + timedelta(seconds=delay)
        assert queued_deliveries() == []
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert run_queued_tasks() == ["given up"]
    assert pingbot.receiver.hits == 4


@pytest.mark.parametrize("status", [400, 404, 410, 301])
def test_other_answers_are_not_retried(
    status, room, alice, pingbot, fast_retries, django_capture_on_commit_callbacks, caplog
):
    pingbot.receiver.answers = [reply("no", status=status)]
    with caplog.at_level(logging.WARNING, logger="bots"):
        _message, outcomes = post_and_deliver(
            django_capture_on_commit_callbacks, room, alice, "@pingbot go away"
        )
    assert outcomes == ["given up"]
    assert pingbot.receiver.hits == 1
    assert f"answered {status}" in caplog.text
    assert replies_of(pingbot) == []


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    settings, room, alice, pingbot, web, fast_retries, django_capture_on_commit_callbacks, caplog
):
    settings.WEBHOOK_TIMEOUT = 0.5
    pingbot.receiver.answers = [slow_drip(0.05, in_headers=True), reply("Sorry, slow")]
    with caplog.at_level(logging.INFO, logger="bots"):
        _message, outcomes = post_and_deliver(
            django_capture_on_commit_callbacks, room, alice, "@pingbot quick?"
        )
    assert outcomes == ["retrying", "replied"]
    assert "no complete answer within 0.5 s" in caplog.text
    assert [m.body for m in replies_of(pingbot)] == ["Sorry, slow"]


def test_no_connection_is_retried(
    settings, room, alice, fast_retries, django_capture_on_commit_callbacks, caplog
):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    from bots.keys import create_bot

    with silent_listener("127.0.0.2") as listener:
        port = listener.port
    create_bot("pingbot", by=None, webhook_url=f"http://127.0.0.2:{port}/hook")  # closed now
    with caplog.at_level(logging.INFO, logger="bots"):
        _message, outcomes = post_and_deliver(
            django_capture_on_commit_callbacks, room, alice, "@pingbot hello?"
        )
    assert outcomes == ["retrying", "retrying", "retrying", "given up"]
    assert "Connection refused" in caplog.text


def test_a_refused_destination_is_never_contacted_nor_retried(
    settings, room, alice, fast_retries, django_capture_on_commit_callbacks, caplog
):
    from bots.keys import create_bot

    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    with silent_listener("127.0.0.1") as listener:
        create_bot("pingbot", by=None, webhook_url=f"http://127.0.0.1:{listener.port}/hook")
        with caplog.at_level(logging.INFO):
            _message, outcomes = post_and_deliver(
                django_capture_on_commit_callbacks, room, alice, "@pingbot hi"
            )
        assert not listener.was_contacted()
    assert outcomes == ["refused"]
    assert "Not sending the webhook of bot pingbot" in caplog.text
    assert "127.0.0.1" in caplog.text
