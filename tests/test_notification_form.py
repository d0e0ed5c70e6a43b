"""The room header's notification level: a plain form, htmx on top, and the page data the
page's script decides with (rendered per viewer in the page, never in fragments)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from notifications.levels import Level, level_for
from notifications.models import RoomLevel
from rooms.actions import open_direct, open_room, post_message
from rooms.fragments import room_header

HTMX = {"HTTP_HX_REQUEST": "true"}


def level_url(room) -> str:
    return reverse("notifications:room", args=[room.name])


def page_data(html: str) -> dict:
    start = html.index('<script id="notification-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


def test_choosing_a_level_without_javascript_goes_back_to_the_room(alice_client, alice, room):
    response = alice_client.post(level_url(room), {"level": "everything"})
    assert response.status_code == 302
    assert response.url == room.get_absolute_url()
    assert level_for(alice, room) == Level.EVERYTHING
    # Back to the default: no row left.
    alice_client.post(level_url(room), {"level": "mentions"})
    assert not RoomLevel.objects.exists()


def test_with_htmx_the_form_comes_back_with_the_new_level(alice_client, alice, room):
    response = alice_client.post(level_url(room), {"level": "nothing"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-level="nothing"' in html
    assert 'value="nothing" id="id_level_2" required checked' in html
    assert "Saved." in html
    assert level_for(alice, room) == Level.NOTHING


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose what to be notified of"),
        ({"level": ""}, "Choose what to be notified of"),
        ({"level": "loud"}, "“loud” is no notification level"),
        ({"level": "EVERYTHING"}, "no notification level"),
        ({"level": "x" * 100_000}, "no notification level"),
        ({"level": "<script>alert(1)</script>"}, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ({"level": "every\x00thing"}, "no notification level"),
    ],
    ids=["missing", "empty", "unknown", "wrong-case", "oversized", "markup", "nul"],
)
def test_bad_levels_are_refused_clearly_and_change_nothing(alice_client, alice, room, data, error):
    alice_client.post(level_url(room), {"level": "everything"})
    for headers in ({}, HTMX):
        response = alice_client.post(level_url(room), data, **headers)
        assert response.status_code == 400
        assert error in response.content.decode()
        assert "<script>alert" not in response.content.decode()
    assert level_for(alice, room) == Level.EVERYTHING


def test_a_private_room_is_404_for_others(alice, bob, room):
    private = open_room("secret", by=alice, private=True)
    client = Client()
    client.force_login(bob)
    assert client.post(level_url(private), {"level": "nothing"}).status_code == 404
    assert client.post("/chat/no-such-room/notifications/", {"level": "nothing"}).status_code == 404
    assert not RoomLevel.objects.exists()


def test_only_post_and_only_signed_in(alice_client, room):
    assert alice_client.get(level_url(room)).status_code == 405
    response = Client().post(level_url(room), {"level": "nothing"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_post_without_the_csrf_token_is_refused(alice, room):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(level_url(room), {"level": "nothing"}).status_code == 403
    assert not RoomLevel.objects.exists()


def test_the_room_page_carries_the_viewers_level_and_the_fragments_do_not(
    alice_client, alice, bob, room
):
    alice_client.post(level_url(room), {"level": "nothing"})
    html = alice_client.get(room.get_absolute_url()).content.decode()
    data = page_data(html)
    assert data["room"] == room.pk
    assert data["levels"] == {str(room.pk): "nothing"}
    assert data["direct"] is False
    assert 'id="notification-level"' in html
    assert 'id="desktop-notifications"' in html
    # The header as broadcast is the same for everyone: no form, no level.
    assert "notification-level" not in room_header(room)
    conversation = open_direct(alice, bob)
    data = page_data(alice_client.get(conversation.get_absolute_url()).content.decode())
    assert data["direct"] is True
    assert data["levels"] == {str(conversation.pk): "everything"}


def test_the_lobby_carries_the_viewers_levels(alice_client, alice, bob, room):
    private = open_room("staff", by=alice, private=True)
    conversation = open_direct(alice, bob)
    post_message(room, bob, "hello")
    alice_client.post(level_url(private), {"level": "mentions"})
    data = page_data(alice_client.get(reverse("rooms:lobby")).content.decode())
    assert data["room"] is None
    assert data["levels"] == {
        str(room.pk): "mentions",
        str(private.pk): "mentions",
        str(conversation.pk): "everything",
    }
