"""Browser tests against real uvicorn processes sharing one redis-server and one database."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from support.asgi import AsgiServer
from support.redis import RedisServer, redis_server
from support.site import Site, running_site, suite_postgres
from support.users import PASSWORD

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
USERS = ("alice", "bob", "carol")
# `make test` runs the suite on both databases at once: on a busy machine a page may take
# longer than Playwright's 5 s to get where it is going, though nothing is wrong.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # This machine cannot download Playwright's browser; Debian's works the same.
    args = {**browser_type_launch_args}
    if DEBIAN_CHROMIUM.exists():
        args["executable_path"] = str(DEBIAN_CHROMIUM)
    flags = [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        # Software rendering in the browser's own processes: headless, a GPU process only
        # emulates one, and each frame then takes one more process hop on a busy machine.
        "--disable-gpu",
    ]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")
    args["args"] = [*args.get("args", []), *flags]
    return args


@pytest.fixture(scope="session")
def redis(tmp_path_factory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def site(tmp_path_factory, redis: RedisServer) -> Iterator[Site]:
    """Two uvicorn processes sharing Redis and one database: a SQLite file or, when the suite
    runs on PostgreSQL (TEST_DATABASE=postgres), a database of their own on its server."""
    with running_site(
        tmp_path_factory.mktemp("site"),
        users=USERS,
        redis=redis,
        postgres=suite_postgres(),
        # Tests post faster than people; the limit itself is tested in tests/.
        RATE_LIMIT_POST="1000/second",
    ) as site:
        yield site


@pytest.fixture
def server(site: Site) -> AsgiServer:
    return site.servers[0]


room_numbers = itertools.count(1)
# Room names are at most 50 characters; room_name leaves this many for a test's own suffix.
ROOM_SUFFIX_MAX = 10


@pytest.fixture
def room_name(request) -> str:
    """A fresh room per test, so tests sharing the site never see each other's messages.

    Unique by its number; at most 40 characters, so a test that needs more rooms appends a
    suffix of up to ROOM_SUFFIX_MAX (`f"{room_name}-dark"`) and gets distinct, valid names.
    """
    words = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name.removeprefix("test_"))
    return f"e2e-{next(room_numbers)}-{words}"[: 50 - ROOM_SUFFIX_MAX].rstrip("-")


@dataclass
class ConsoleWatch:
    errors: list[str]
    # Errors a test provokes on purpose (a server it stops), by regular expression.
    expected: list[re.Pattern] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("console", lambda message: self.on_console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"page error on {page.url}: {error}"))
        return page

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def on_console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.expected):
            self.errors.append(f"console error on {page.url}: {message.text}")


@pytest.fixture
def console(request) -> Iterator[ConsoleWatch]:
    watch = ConsoleWatch([])
    yield watch
    assert watch.errors == [], "the pages logged errors"


LoginPage = Callable[..., Page]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture(scope="session")
def session_cookies() -> dict[tuple[str, str], list]:
    """Each person's session cookies, by (username, server URL), from their first login."""
    return {}


@pytest.fixture
def logged_in(
    browser: Browser, contexts, console: ConsoleWatch, server: AsgiServer, session_cookies
) -> LoginPage:
    """A page of a new browser context, logged in as `user` on `via` (default: server 1).

    A person's session is reused from their earlier login in the run (the form and a
    password hash cost more than many tests); one that has ended since (a logout) sends the
    page to the login form, which then logs in afresh."""

    def open_page(user: str, via: AsgiServer | None = None, *, javascript: bool = True) -> Page:
        base_url = (via or server).url
        context = browser.new_context(base_url=base_url, java_script_enabled=javascript)
        contexts.append(context)
        cookies = session_cookies.get((user, base_url))
        if cookies:
            context.add_cookies(cookies)
        page = console.watch(context.new_page())
        page.goto("/chat/")
        if page.url.startswith(f"{base_url}/chat/"):
            return page
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{base_url}/chat/")
        session_cookies[user, base_url] = context.cookies()
        return page

    return open_page


# A person, by username, or with the server their page is to use.
Person = str | tuple[str, AsgiServer]
PeopleInRoom = Callable[..., list[Page]]


@pytest.fixture
def in_room(logged_in: LoginPage, request) -> PeopleInRoom:
    """People with one room open and live: `alice, bob = in_room(room_name, "alice", "bob")`.

    Each is logged in on the site's servers in turn (alice on the first, bob on the second),
    so what one does reaches the other through Redis; a `(name, server)` pair names the
    server instead. Every page is in the room, its socket open, before this returns."""

    def open_pages(room: str, *people: Person) -> list[Page]:
        pages = []
        for index, person in enumerate(people):
            if isinstance(person, tuple):
                name, via = person
            else:
                servers = request.getfixturevalue("site").servers
                name, via = person, servers[index % len(servers)]
            pages.append(logged_in(name, via=via))
        for page in pages:
            enter_room(page, room)
            wait_until_live(page)
        return pages

    return open_pages


def room_heading(page: Page, name: str):
    """The room page's heading: exactly `#name` (` private` after a private room's), so
    another room whose name starts with `name` never matches."""
    return page.get_by_role("heading", name=re.compile(rf"^#{re.escape(name)}( private)?$"))


def enter_room(page: Page, name: str) -> None:
    """Join or create the room through the lobby's form, as a person does (from the lobby
    the page is on, when it is on one: a fresh page of `logged_in` is)."""
    if urlsplit(page.url).path != "/chat/":
        page.goto("/chat/")
    page.get_by_label("Room name").fill(name)
    page.get_by_role("button", name="Join or create").click()
    expect(room_heading(page, name)).to_be_visible()


def wait_until_live(page: Page) -> None:
    """Wait for the page's socket (a room's, or the lobby's) to be open."""
    expect(page.locator("[ws-connect]")).to_have_attribute("data-connection", "open")


def send(page: Page, text: str) -> None:
    field = page.get_by_label("Message", exact=True)
    field.fill(text)
    field.press("Enter")


def messages_with(page: Page, text: str):
    return page.locator("#messages .message", has_text=text)


def htmx_post(page: Page, path: str, form: dict[str, str]) -> None:
    """POST as the page's user the way htmx does, without typing: fast, and still the real
    endpoint, session and CSRF check."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        path, form=form, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.ok, response.status


def choose_level(page: Page, label: str) -> None:
    """Set the room's notification level through its header's form, as a person does."""
    if page.locator("#notification-edit[open]").count() == 0:
        page.locator("#notification-edit summary").click()
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#notification-edit .notification-level-name")).to_have_text(label)


def post_over_http(page: Page, room: str, text: str) -> None:
    htmx_post(page, f"/chat/{room}/messages/", {"body": text})


def seed_messages(site: Site, room: str, author: str, count: int, prefix: str) -> None:
    """Store `count` messages straight through the model, as if posted long ago."""
    site.python(
        "from django.contrib.auth.models import User; "
        "from rooms.actions import open_room, post_message; "
        f"u = User.objects.get(username={author!r}); r = open_room({room!r}, by=u); "
        f"[post_message(r, u, f'{prefix} {{n}}') for n in range({count})]",
    )  # fmt: skip


def bodies(page: Page) -> list[str]:
    return page.locator("#messages .message .body").all_inner_texts()
