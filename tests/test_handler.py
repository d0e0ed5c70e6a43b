"""The HTTP handler serves each request in one hop into a kept worker thread
(chatsite/handler.py), and answers every kind of response as Django's own handler does."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core import signals

from chatsite.handler import OneHopHandler

pytestmark = pytest.mark.urls("tests.handler_urls")


@pytest.fixture
def handler() -> OneHopHandler:
    return OneHopHandler()


@pytest.fixture
def signalled() -> Iterator[list[tuple[str, int]]]:
    """(signal, thread) for each request_started and request_finished sent."""
    seen: list[tuple[str, int]] = []

    def started(**kwargs: Any) -> None:
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs: Any) -> None:
        seen.append(("finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield seen
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


def scope_of(path: str, method: str = "GET", headers: list | None = None) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }  # fmt: skip


async def request(
    handler: OneHopHandler, path: str, *, method: str = "GET", body: bytes = b"", **kwargs: Any
) -> tuple[int, dict[bytes, bytes], bytes]:
    """The status, headers and whole body the handler answers `path` with."""
    communicator = ApplicationCommunicator(handler, scope_of(path, method, **kwargs))
    await communicator.send_input({"type": "http.request", "body": body})
    start = await communicator.receive_output(5)
    content, more = b"", True
    while more:
        message = await communicator.receive_output(5)
        content += message.get("body", b"")
        more = message.get("more_body", False)
    await communicator.wait(5)
    return start["status"], dict(start["headers"]), content


def test_no_middleware_is_adapted_between_sync_and_async(settings, caplog):
    # Django says (with DEBUG) wherever one layer's mode differs from the next one's.
    settings.DEBUG = True
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        OneHopHandler()
    assert not [record for record in caplog.records if "adapted" in record.getMessage()]


async def test_the_whole_request_runs_in_one_thread_off_the_event_loop(handler, signalled):
    status, _, body = await request(handler, "/thread/")
    assert status == 200
    view_thread = int(body)
    assert view_thread != threading.get_ident()
    assert signalled == [("started", view_thread), ("finished", view_thread)]
    # Kept for the next request: Django's handler starts a thread per request and joins it.
    assert view_thread in {thread.ident for thread in threading.enumerate()}


# Django warns that it reads a file's chunks through a thread, which is what happens.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
async def test_a_file_is_streamed_whole_and_the_request_finishes_after(handler, signalled):
    status, headers, body = await request(handler, "/file/")
    assert status == 200
    assert headers[b"Content-Length"] == str(len(body)).encode()
    assert body == bytes(range(256)) * 1024
    assert [name for name, _ in signalled] == ["started", "finished"]


async def test_an_uploaded_file_reaches_the_view(handler):
    boundary = "x1x2x3"
    part = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"\x00\xff" * 70_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = [
        (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
        (b"content-length", str(len(part)).encode()),
    ]
    status, _, body = await request(handler, "/upload/", method="POST", body=part, headers=headers)
    assert (status, body) == (200, b"140000")


async def test_an_error_in_a_view_answers_500_and_still_finishes_the_request(
    handler, signalled, caplog
):
    with caplog.at_level(logging.CRITICAL, logger="django.request"):
        status, _, _ = await request(handler, "/boom/")
    assert status == 500
    assert [name for name, _ in signalled] == ["started", "finished"]


async def test_a_client_gone_before_its_body_arrived_gets_nothing_and_runs_nothing(
    handler, signalled
):
    communicator = ApplicationCommunicator(handler, scope_of("/thread/", "POST"))
    await communicator.send_input({"type": "http.request", "body": b"a", "more_body": True})
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(5)
    assert await communicator.receive_nothing()
    assert signalled == []


async def test_anything_but_http_is_refused(handler):
    with pytest.raises(ValueError, match="websocket"):
        await handler({"type": "websocket"}, None, None)
