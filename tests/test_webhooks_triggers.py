"""Which messages call which bots' webhooks: a bot mentioned, or the other person of a
direct conversation; never the bot's own messages, nor a webhook's own reply (no loops),
nor a bot without a webhook, nor one the message merely names without mentioning."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from bots.keys import create_bot
from rooms.actions import add_member, delete_message, open_direct, open_room, post_message
from rooms.models import Room
from support.http_sites import reply
from tests.link_cards import run_queued_tasks, web_fixture  # noqa: F401 (fixture)
from tests.webhooks import hooked_bot, post_and_deliver, queued_deliveries, replies_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pingbot(web):
    return hooked_bot(web)


def post(capture, room: Room, author, body: str):
    with capture(execute=True):
        return post_message(room, author, body)


def queued_for(bot) -> list[int]:
    return [message_id for bot_id, message_id, _ in queued_deliveries() if bot_id == bot.bot.pk]


def test_a_mention_calls_the_bot_and_a_plain_message_does_not(
    room, alice, pingbot, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    post(capture, room, alice, "no bot here, just pingbot named")
    post(capture, room, alice, "`@pingbot` in code is no mention")
    mentioned = post(capture, room, alice, "hey @PingBot, status?")
    assert queued_for(pingbot) == [mentioned.pk]


def test_a_direct_conversation_calls_the_bot_without_a_mention(
    alice, pingbot, django_capture_on_commit_callbacks
):
    direct = open_direct(alice, pingbot.user)
    message = post(django_capture_on_commit_callbacks, direct, alice, "just between us")
    assert queued_for(pingbot) == [message.pk]


def test_a_direct_conversation_of_others_calls_no_bot(
    alice, bob, pingbot, django_capture_on_commit_callbacks
):
    post(django_capture_on_commit_callbacks, open_direct(alice, bob), alice, "hi bob")
    assert queued_deliveries() == []


def test_the_bots_own_messages_never_call_its_webhook(
    room, pingbot, django_capture_on_commit_callbacks, alice
):
    capture = django_capture_on_commit_callbacks
    post(capture, room, pingbot.user, "I am @pingbot")
    post(capture, open_direct(alice, pingbot.user), pingbot.user, "hello alice")
    assert queued_deliveries() == []


def test_a_private_room_calls_only_a_bot_that_is_a_member(
    alice, pingbot, web, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    private = open_room("secret", by=alice, private=True)
    post(capture, private, alice, "@pingbot you cannot see this")
    assert queued_deliveries() == []
    add_member(private, pingbot.user, by=alice)
    message = post(capture, private, alice, "@pingbot now you can")
    assert queued_for(pingbot) == [message.pk]


def test_bots_without_a_webhook_or_inactive_are_not_called(
    room, alice, pingbot, django_capture_on_commit_callbacks
):
    create_bot("quietbot", by=None)
    pingbot.user.is_active = False
    pingbot.user.save()
    post(django_capture_on_commit_callbacks, room, alice, "@quietbot @pingbot anyone?")
    assert queued_deliveries() == []


def test_two_mentioned_bots_each_get_a_delivery_of_their_own(
    room, alice, web, django_capture_on_commit_callbacks
):
    one, two = hooked_bot(web, "onebot", "/one"), hooked_bot(web, "twobot", "/two")
    _message, outcomes = post_and_deliver(
        django_capture_on_commit_callbacks, room, alice, "@onebot @twobot @onebot roll call"
    )
    assert outcomes == ["delivered", "delivered"]
    assert (len(one.receiver.verified), len(two.receiver.verified)) == (1, 1)
    assert one.receiver.verified[0]["bot"] == {"username": "onebot"}
    deliveries = {request.headers["x-chat-delivery"] for request in web.requests}
    assert len(deliveries) == 2


def test_a_webhook_reply_that_mentions_another_bot_calls_no_one(
    room, alice, web, django_capture_on_commit_callbacks
):
    ping, pong = hooked_bot(web, "pingbot", "/ping"), hooked_bot(web, "pongbot", "/pong")
    ping.receiver.answers = [reply("@pongbot your turn")]
    pong.receiver.answers = [reply("@pingbot your turn")]
    _message, outcomes = post_and_deliver(
        django_capture_on_commit_callbacks, room, alice, "@pingbot start"
    )
    assert outcomes == ["replied"]
    [answer] = replies_of(ping)
    assert answer.mention_names == "pongbot"  # a real mention, which calls no webhook
    assert pong.receiver.hits == 0
    # The bot's messages through any other way (the HTTP API) do call other bots.
    post(django_capture_on_commit_callbacks, room, ping.user, "@pongbot ping from a script")
    assert len(queued_for(pong)) == 1


def test_a_message_deleted_before_its_delivery_is_not_sent(
    room, alice, pingbot, web, django_capture_on_commit_callbacks
):
    message = post(django_capture_on_commit_callbacks, room, alice, "@pingbot oops")
    delete_message(message)
    assert run_queued_tasks() == ["gone"]
    assert web.requests == []


def test_a_bot_deleted_or_unhooked_before_its_delivery_is_not_sent(
    room, alice, pingbot, web, django_capture_on_commit_callbacks
):
    post(django_capture_on_commit_callbacks, room, alice, "@pingbot one")
    pingbot.bot.webhook_url = ""
    pingbot.bot.save()
    assert run_queued_tasks() == ["gone"]
    pingbot.bot.webhook_url = web.url("/hook")
    pingbot.bot.save()
    post(django_capture_on_commit_callbacks, room, alice, "@pingbot two")
    get_user_model().objects.filter(pk=pingbot.user.pk).delete()
    assert run_queued_tasks() == ["gone"]
    assert web.requests == []
