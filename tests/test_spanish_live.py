"""Live fragments reach each page in its own language: one render per language, never per
reader (a socket listens in its page's language, `?language=` in its URL)."""

from __future__ import annotations

import json

import pytest
from channels.testing import WebsocketCommunicator

from chatsite.asgi import application
from tests.conftest import ORIGIN, next_message, post

pytestmark = pytest.mark.django_db(transaction=True)


def socket(cookie: tuple[bytes, bytes], query: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/chat/general/{query}", headers=[ORIGIN, cookie])


async def test_each_socket_gets_the_message_in_its_page_s_language(
    redis_layer, cookies, room, alice, bob
):
    spanish, english = socket(cookies[bob], "?language=es"), socket(cookies[bob], "?language=en")
    default, unknown = socket(cookies[alice], ""), socket(cookies[alice], "?language=xx")
    for each in (spanish, english, default, unknown):
        assert (await each.connect())[0]
    await post(room, alice, "hola")
    es, en = await next_message(spanish), await next_message(english)
    assert ">Borrar</a>" in es
    assert ">Delete</a>" not in es
    assert ">Delete</a>" in en
    assert ">Borrar</a>" not in en
    # No language, or one the site does not speak: the default, English.
    assert await next_message(default) == en
    assert await next_message(unknown) == en
    for each in (spanish, english, default, unknown):
        await each.disconnect()


async def test_typing_and_presence_in_the_page_s_language(redis_layer, cookies, room, bob, alice):
    spanish = socket(cookies[bob], "?language=es")
    assert (await spanish.connect())[0]
    presence = await spanish.receive_from()
    assert "1 persona aquí" in presence
    typist = socket(cookies[alice], "?language=en")
    assert (await typist.connect())[0]
    await typist.send_to(text_data=json.dumps({"type": "typing"}))
    while "escribiendo" not in (frame := await spanish.receive_from()):
        assert "is typing" not in frame
    assert "alice está escribiendo…" in frame
    await spanish.disconnect()
    await typist.disconnect()
