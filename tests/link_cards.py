"""What the link-card tests share: a loopback web site the outbound client may reach, posting
and editing with their on-commit work done, and running the queued background tasks."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from PIL import Image

from support.http_sites import HttpSite, http_site
from support.site import WEB_HOST


# Test modules import these fixtures by their function names; tests ask for them by `name`.
@pytest.fixture(name="web")
def web_fixture(settings) -> Iterator[HttpSite]:
    """A web site on WEB_HOST, the one loopback address the outbound client may reach."""
    settings.OUTBOUND_ALLOWED_NETWORKS = [f"{WEB_HOST}/32"]
    with http_site({}, host=WEB_HOST) as site:
        yield site


@pytest.fixture(name="media")
def media_fixture(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_MEDIA = True
    return settings.MEDIA_ROOT


def stored_pictures(media: Path) -> list[Path]:
    folder = media / "previews"
    return sorted(folder.iterdir()) if folder.exists() else []


def _next_due(task_path: str | None) -> DBTaskResult | None:
    # Asked afresh each time: a task may queue a retry that is due by now.
    due = DBTaskResult.objects.ready().order_by("enqueued_at")
    return (due.filter(task_path=task_path) if task_path else due).first()


def run_queued_tasks(task_path: str | None = None) -> list[object]:
    """Run every queued task that is due (only those of `task_path`, if given) with
    db_worker's own code (its Worker claims and runs each, as `manage.py db_worker` does),
    here, in the test's database; what the tasks returned. Tasks due later stay queued.
    A task that raised fails the test with its traceback."""
    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="tests", excluded_queue_names=[],
    )  # fmt: skip
    returned = []
    while (queued := _next_due(task_path)) is not None:
        queued.claim(worker.worker_id)
        worker.run_task(queued)
        queued.refresh_from_db()
        assert queued.status == "SUCCESSFUL", queued.traceback
        returned.append(queued.return_value)
    return returned


def picture(width: int = 1200, height: int = 630, kind: str = "JPEG") -> bytes:
    """A photo-like image with EXIF metadata (a camera's make) that must not survive."""
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"
    out = BytesIO()
    Image.new("RGB", (width, height), "orange").save(out, kind, exif=exif.tobytes())
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A whole, valid black-and-white PNG of side x side pixels (400 megapixels by default)
    that weighs some 50 KiB: written by hand, as Pillow takes seconds to encode one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    rows = zlib.compress(bytes((1 + (side + 7) // 8) * side), 9)  # filter byte + pixels
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def og_page(title: str = "A title", description: str = "A description", image: str = "") -> str:
    image_tag = f'<meta property="og:image" content="{image}">' if image else ""
    return (
        f'<html><head><meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{description}">{image_tag}'
        "</head><body>…</body></html>"
    )
