"""Accounts in Chromium, against sites of their own (invite-only, email to a real SMTP server):
the first run on an empty site, invitations, a reset by email, a deactivated person's open
page closed, and a picture on one's messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import enter_room, messages_with, send, wait_until_live
from support.redis import RedisServer
from support.site import Site, running_site, suite_postgres
from support.smtp import SmtpServer, body_of, smtp_server
from support.users import PASSWORD, create_users

NEW_PASSWORD = "a brand new passphrase"
# Many sign-ups from 127.0.0.1: the limits themselves are tested in tests/.
GENEROUS = {
    "RATE_LIMIT_SIGNUP": "1000/hour",
    "RATE_LIMIT_JOIN": "1000/minute",
    "RATE_LIMIT_PASSWORD_RESET": "1000/hour",
}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def team_site(tmp_path_factory, redis: RedisServer, smtp: SmtpServer) -> Iterator[Site]:
    """Two server processes, invite-only, sending email to `smtp`, serving avatars."""
    with running_site(
        tmp_path_factory.mktemp("team-site"),
        users=("frank", "grace"),
        redis=redis,
        postgres=suite_postgres(),
        SIGNUP="invite",
        EMAIL_URL=smtp.url,
        DEFAULT_FROM_EMAIL="chat@example.com",
        SERVE_MEDIA="1",
        **GENEROUS,
    ) as site:
        create_users(site.env, ["boss"])
        site.python("from django.contrib.auth.models import User; "
                    "User.objects.filter(username='boss').update(is_staff=True); "
                    "User.objects.filter(username='grace')"
                    ".update(email='grace@example.com')")  # fmt: skip
        yield site


def new_page(browser: Browser, contexts, console, base_url: str) -> Page:
    context = browser.new_context(base_url=base_url)
    contexts.append(context)
    return console.watch(context.new_page())


def log_in(page: Page, username: str, password: str = PASSWORD, *, refused: bool = False) -> None:
    """Log in through the form; return once the answer is here (the lobby, or with `refused`
    the form's error), so that nothing the caller does next can cut the login short."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if refused:
        expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    else:
        expect(page).to_have_url(re.compile(r"/chat/$"))


def sign_up(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def test_the_first_run_on_an_empty_site_makes_the_administrator(
    browser, contexts, console, tmp_path, redis
):
    # A site of its own, with no account at all.
    with running_site(tmp_path, servers=1, redis=redis, postgres=suite_postgres()) as empty:
        base = empty.servers[0].url
        page = new_page(browser, contexts, console, base)
        page.goto("/chat/")
        expect(page).to_have_url(f"{base}/accounts/first-run/")
        expect(page.get_by_role("heading", name="Welcome to your new chat")).to_be_visible()
        page.screenshot(path=str(tmp_path / "first-run.png"))
        sign_up_form = page.get_by_role("button", name="Create the administrator account")
        page.get_by_label("Username").fill("founder")
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
        sign_up_form.click()
        expect(page).to_have_url(f"{base}/chat/")
        wait_until_live(page)
        # An administrator: the invitations page is theirs; the first run is over.
        page.get_by_role("link", name="People").click()
        page.get_by_role("link", name="Invite people").click()
        expect(page.get_by_role("heading", name="Invitations")).to_be_visible()
        console.expect("404")
        assert page.goto("/accounts/first-run/").status == 404


def test_invitations_a_team_link_regenerated_and_a_single_use_link_withdrawn(
    browser, contexts, console, team_site
):
    base = team_site.servers[0].url
    boss = new_page(browser, contexts, console, base)
    log_in(boss, "boss")
    expect(boss).to_have_url(f"{base}/chat/")
    boss.goto("/accounts/invitations/")
    team_link = boss.locator("#team-link")
    before = team_link.input_value() if team_link.count() else ""
    boss.get_by_role("button", name=re.compile("^Make (a|a new) team link$")).click()
    # The page the click led to, not the one it was made on (which may show an older link).
    expect(team_link).to_have_value(re.compile(r"/join/"))
    expect(team_link).not_to_have_value(before)
    old_link = team_link.input_value()
    assert re.fullmatch(rf"{re.escape(base)}/join/[A-Za-z0-9_-]{{43}}/", old_link)

    console.expect("403")
    newcomer = new_page(browser, contexts, console, team_site.servers[1].url)
    assert newcomer.goto("/accounts/signup/").status == 403
    expect(newcomer.get_by_role("heading", name="You need an invitation")).to_be_visible()
    newcomer.goto(old_link)
    expect(newcomer).to_have_url(f"{base}/accounts/signup/")
    expect(newcomer.get_by_text("You have been invited to join this chat.")).to_be_visible()
    sign_up(newcomer, "newcomer")
    expect(newcomer).to_have_url(f"{base}/chat/")
    wait_until_live(newcomer)

    boss.get_by_role("button", name="Make a new team link").click()
    expect(team_link).not_to_have_value(old_link)
    new_link = team_link.input_value()
    console.expect("410")
    late = new_page(browser, contexts, console, base)
    assert late.goto(old_link).status == 410
    expect(late.get_by_text("This invitation was withdrawn.")).to_be_visible()
    late.goto(new_link)
    expect(late).to_have_url(f"{base}/accounts/signup/")

    boss.get_by_label("Expires").select_option(label="In a day")
    usable = boss.locator(".invitation[data-state='usable']")
    expect(usable).to_have_count(0)
    boss.get_by_role("button", name="Make a single-use link").click()
    expect(usable).to_have_count(1)
    single_link = usable.locator(".invitation-link").input_value()
    usable.get_by_role("button", name="Withdraw").click()
    # Withdrawn once the page says so: only then may the link be tried.
    expect(usable).to_have_count(0)
    expect(boss.locator(".invitation")).to_contain_text("Withdrawn")
    assert late.goto(single_link).status == 410
    expect(late.get_by_text("This invitation was withdrawn.")).to_be_visible()


def test_a_reset_email_reaches_the_smtp_server_and_its_link_sets_the_password(
    browser, contexts, console, team_site, smtp
):
    base = team_site.servers[0].url
    page = new_page(browser, contexts, console, base)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    sent_before = smtp.mailbox.count()
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    email = smtp.mailbox.wait_for(lambda m: "grace@example.com" in str(m["To"]), since=sent_before)
    assert email["From"] == "chat@example.com"
    [link] = re.findall(r"http://\S+/accounts/reset/\S+/", body_of(email))
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()
    log_in(page, "grace", NEW_PASSWORD)
    expect(page).to_have_url(f"{base}/chat/")


def test_a_deactivated_persons_open_page_closes_and_they_cannot_log_in(
    browser, contexts, console, team_site, room_name
):
    frank = new_page(browser, contexts, console, team_site.servers[1].url)
    log_in(frank, "frank")
    enter_room(frank, room_name)
    wait_until_live(frank)
    boss = new_page(browser, contexts, console, team_site.servers[0].url)
    log_in(boss, "boss")
    boss.goto("/people/frank/")
    boss.get_by_role("button", name="Deactivate").click()
    expect(boss.get_by_text("deactivated", exact=True)).to_be_visible()
    # Frank's page, served by the other process, is closed for good (not told to reconnect).
    expect(frank.locator("[ws-connect]")).to_have_attribute("data-connection", "closed")
    frank.reload()
    expect(frank).to_have_url(re.compile(r"/accounts/login/"))
    log_in(frank, "frank", refused=True)
    boss.get_by_role("button", name="Reactivate").click()
    # Active again once the page offers to deactivate: only then may frank log in.
    expect(boss.get_by_role("button", name="Deactivate")).to_be_visible()
    log_in(frank, "frank")
    expect(frank).to_have_url(f"{team_site.servers[1].url}/chat/")


def test_a_picture_and_a_display_name_show_on_new_messages(
    browser, contexts, console, team_site, room_name, tmp_path: Path
):
    picture = tmp_path / "face.jpg"
    Image.new("RGB", (640, 480), (200, 120, 30)).save(picture, "JPEG")
    base = team_site.servers[0].url
    page = new_page(browser, contexts, console, base)
    log_in(page, "boss")
    page.goto("/accounts/profile/")
    page.get_by_label("Display name").fill("The Boss")
    page.get_by_label("Picture", exact=True).set_input_files(str(picture))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="The Boss")).to_be_visible()
    enter_room(page, room_name)
    wait_until_live(page)
    send(page, "with a face")
    message = messages_with(page, "with a face")
    expect(message.locator(".author")).to_have_text("The Boss")
    avatar = message.locator("img.avatar")
    expect(avatar).to_have_attribute("src", re.compile(r"^/media/avatars/\d+-\w+\.png$"))
    served = page.request.get(avatar.get_attribute("src"))
    assert served.ok
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-type"] == "image/png"
    assert avatar.evaluate("(img) => img.complete && img.naturalWidth") == 256
