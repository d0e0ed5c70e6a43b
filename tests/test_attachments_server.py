"""Files through a real uvicorn process, as production serves them: a multi-megabyte upload
parsed from a real multipart body, the limits refusing one over them, and downloads and
ranges streamed from an async iterator in chunks (Django reads a synchronous one whole into
memory first under ASGI, and warns; the server's log shows no such warning)."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.attachment_corpus import multipart
from support.http import HttpClient
from support.site import Site, running_site, suite_postgres

MAX_BYTES = 8 * 1024 * 1024
BIG = os.urandom(6 * 1024 * 1024)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("attachments")
    settings = {"ATTACHMENT_MAX_BYTES": str(MAX_BYTES), "RATE_LIMIT_POST": "100/second"}
    with running_site(
        directory, users=["alice"], servers=1, worker=False, postgres=suite_postgres(), **settings
    ) as site:
        yield site


def request(client: HttpClient, path: str, body: bytes | None = None, **headers: str):
    """(status, headers, body) of one request through the client's cookies."""
    if body is not None:
        headers["X-CSRFToken"] = client.cookie("csrftoken")
    prepared = urllib.request.Request(client.base_url + path, data=body, headers=headers)
    try:
        with client.opener.open(prepared, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def upload(client: HttpClient, files: list[tuple[str, bytes]], body: str = ""):
    parts = [("attachments", name, data, "application/octet-stream") for name, data in files]
    data, content_type = multipart({"body": body}, parts)
    return request(
        client, "/chat/general/messages/", data, **{"Content-Type": content_type, "HX-Request": "1"}
    )


def file_urls(html: str) -> list[str]:
    return [line.split('href="')[1].split('"')[0] for line in html.split('class="file-card"')[1:]]


def stored_files(site: Site) -> list[Path]:
    return [path for path in (site.directory / "media").rglob("*") if path.is_file()]


def test_a_large_upload_is_stored_and_streamed_back_with_ranges(site):
    client = site.client("alice")
    client.open_room("general")
    status, _, answer = upload(client, [("big.bin", BIG)], body="six megabytes")
    assert status == 200, answer[:300]
    [url] = file_urls(answer.decode())
    status, headers, body = request(client, url)
    assert status == 200
    assert headers["Content-Length"] == str(len(BIG))
    assert headers["Content-Disposition"] == 'attachment; filename="big.bin"'
    assert body == BIG
    start, end = 1_000_000, 3_500_000
    status, headers, body = request(client, url, Range=f"bytes={start}-{end}")
    assert status == 206
    assert headers["Content-Range"] == f"bytes {start}-{end}/{len(BIG)}"
    assert body == BIG[start : end + 1]
    log = site.servers[0].log_text()
    assert "must consume synchronous iterators" not in log
    assert "Traceback" not in log


def test_an_upload_over_the_limit_is_refused_and_nothing_stays(site):
    client = site.client("alice")
    client.open_room("general")
    before = stored_files(site)
    status, _, answer = upload(client, [("huge.bin", os.urandom(MAX_BYTES + 1))], body="typed")
    assert status == 413
    page = answer.decode()
    assert "“huge.bin” is larger than 8.0\xa0MB, so nothing was sent." in page
    assert "typed</textarea>" in page
    assert stored_files(site) == before
    status, _, stored = request(client, "/chat/general/messages/?after=0")
    assert status == 200
    assert ">typed<" not in stored.decode()
