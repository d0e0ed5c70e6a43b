"""Files in the browser: chosen, dropped or pasted into the composer, sent with progress and
a Cancel, seen live by another person, images opened in the viewer; and all of it without
JavaScript too."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from e2e.conftest import enter_room, messages_with, send, wait_until_live
from e2e.test_rooms_and_people import serious_violations

# A long upload's duration comes from Chromium's own network throttling, not its size:
# over loopback any file arrives at once.
SLOW_UPLOAD_BYTES_PER_SECOND = 2 * 1024 * 1024
LARGE_FILE_BYTES = 8 * 1024 * 1024
LONG_UPLOAD_MS = 60_000


def png(width: int, height: int, colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def mp3() -> bytes:
    """A quarter of a second of silence: MPEG-1 layer III frames (128 kbit/s, 44.1 kHz,
    417 bytes each) whose side information and data are all zero, which decode as silence."""
    frame = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)
    return frame * 10


def webm(page: Page) -> bytes:
    """A short real video, recorded by the browser itself from a canvas."""
    encoded = page.evaluate(
        """async () => {
          const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 48 });
          const context = canvas.getContext("2d");
          const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: "video/webm" });
          const chunks = [];
          recorder.ondataavailable = (event) => chunks.push(event.data);
          const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
          recorder.start();
          for (let frame = 0; frame < 10; frame++) {
            context.fillStyle = `hsl(${frame * 36} 80% 50%)`;
            context.fillRect(0, 0, 64, 48);
            await new Promise(requestAnimationFrame);
          }
          recorder.stop();
          await stopped;
          const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
          return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));
        }"""
    )
    return base64.b64decode(encoded)


def ends_with(path: str) -> re.Pattern:
    return re.compile(re.escape(path) + "$")


def upload(name: str, content: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def file_input(page: Page):
    return page.locator("#composer input[type=file]")


def selected(page: Page):
    """The composer's list of files to send (the page's script draws it)."""
    return page.locator("#selected-files .selected-file-name")


def field(page: Page):
    return page.get_by_label("Message", exact=True)


def attachments_of(page: Page, text: str | None = None):
    messages = messages_with(page, text) if text else page.locator("#messages .message")
    return messages.locator(".attachments .attachment")


def in_page_file_transfer(page: Page, name: str, content: bytes, mime: str) -> str:
    """Make, in the page, a DataTransfer holding one file (as a drag or a clipboard would)
    and return the name of the window property that holds it."""
    page.evaluate(
        """([name, encoded, mime]) => {
          const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, { type: mime }));
          window.__transfer = transfer;
        }""",
        [name, base64.b64encode(content).decode(), mime],
    )
    return "__transfer"


def drag(page: Page, selector: str, event_type: str, *, files: bool = True) -> None:
    """Fire one drag event on the element `selector` names, carrying the page's prepared
    file transfer, or text only."""
    page.evaluate(
        """([selector, type, files]) => {
          let transfer = window.__transfer;
          if (!files) {
            transfer = new DataTransfer();
            transfer.setData("text/plain", "just words");
          }
          document.querySelector(selector).dispatchEvent(
            new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
        }""",
        [selector, event_type, files],
    )


def throttle_uploads(page: Page, bytes_per_second: int) -> None:
    """Chromium's own network throttling (DevTools protocol): the browser sends slowly."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def two_in_room(logged_in, room_name: str) -> tuple[Page, Page]:
    alice, bob = logged_in("alice"), logged_in("bob")
    for page in (alice, bob):
        enter_room(page, room_name)
        wait_until_live(page)
    return alice, bob


def test_files_chosen_with_the_input_are_sent_alone_and_seen_live(logged_in, room_name):
    alice, bob = two_in_room(logged_in, room_name)
    file_input(alice).set_input_files(
        [
            upload("notes.txt", b"just some notes\n", "text/plain"),
            upload("dot.png", png(40, 30), "image/png"),
        ]
    )
    expect(selected(alice)).to_have_text(["notes.txt", "dot.png"])
    alice.get_by_role("button", name="Send").click()

    for page in (alice, bob):
        expect(attachments_of(page)).to_have_count(2)
    image = bob.locator(".attachment.image img")
    expect(image).to_have_attribute("width", re.compile(r"^\d+$"))
    expect(image).to_have_attribute("height", re.compile(r"^\d+$"))
    expect(image).to_have_attribute("alt", "dot.png")
    expect(bob.locator(".attachment.file .file-name")).to_have_text("notes.txt")
    # The post took the files: the composer is empty again, ready for the next message.
    expect(selected(alice)).to_have_count(0)
    assert file_input(alice).evaluate("input => input.files.length") == 0


def test_a_file_can_be_taken_out_before_sending(logged_in, room_name):
    alice, bob = two_in_room(logged_in, room_name)
    # Two picks add up: the second does not replace the first.
    file_input(alice).set_input_files([upload("keep.txt", b"keep", "text/plain")])
    file_input(alice).set_input_files([upload("drop.txt", b"drop", "text/plain")])
    expect(selected(alice)).to_have_text(["keep.txt", "drop.txt"])
    alice.get_by_role("button", name="Remove drop.txt").click()
    expect(selected(alice)).to_have_text(["keep.txt"])
    expect(alice.get_by_role("button", name="Remove keep.txt")).to_be_focused()
    send(alice, "one file")
    expect(messages_with(bob, "one file").locator(".file-name")).to_have_text(["keep.txt"])


def test_a_hostile_file_name_is_listed_as_text(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    hostile = '<img src=x onerror="document.title=1">.txt'
    file_input(alice).set_input_files([upload(hostile, b"x", "text/plain")])
    expect(selected(alice)).to_have_text([hostile])
    expect(alice.locator("#selected-files img")).to_have_count(0)


def test_an_image_dropped_on_the_room_is_seen_live(logged_in, room_name):
    alice, bob = two_in_room(logged_in, room_name)
    room = alice.locator(".room")

    # A drag of text only is none of the room's business.
    drag(alice, "#messages", "dragover", files=False)
    expect(room).not_to_have_attribute("data-dropping", "")

    in_page_file_transfer(alice, "dropped.png", png(64, 48, "orange"), "image/png")
    drag(alice, "#messages", "dragenter")
    drag(alice, "#messages", "dragover")
    expect(room).to_have_attribute("data-dropping", "")
    expect(alice.locator(".drop-hint")).to_be_visible()
    drag(alice, "#messages", "drop")
    expect(room).not_to_have_attribute("data-dropping", "")
    expect(selected(alice)).to_have_text(["dropped.png"])

    send(alice, "dropped in")
    for page in (alice, bob):
        expect(
            messages_with(page, "dropped in").locator(".attachment.image img")
        ).to_have_attribute("alt", "dropped.png")


def test_an_image_pasted_into_the_composer_is_seen_live(logged_in, room_name):
    alice, bob = two_in_room(logged_in, room_name)
    in_page_file_transfer(alice, "image.png", png(50, 50, "purple"), "image/png")
    alice.evaluate(
        """() => document.querySelector("#composer textarea").dispatchEvent(
          new ClipboardEvent("paste", {
            bubbles: true, cancelable: true, clipboardData: window.__transfer,
          }))"""
    )
    expect(selected(alice)).to_have_text(["image.png"])
    # The clipboard held no text: the field got none.
    expect(field(alice)).to_have_value("")

    send(alice, "pasted")
    for page in (alice, bob):
        expect(messages_with(page, "pasted").locator(".attachment.image")).to_have_count(1)


def test_a_refused_post_gives_back_its_text_and_files(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    file_input(alice).set_input_files(
        [upload("kept.txt", b"kept", "text/plain"), upload("empty.txt", b"", "text/plain")]
    )
    send(alice, "with an empty file")
    expect(alice.get_by_role("alert")).to_contain_text("“empty.txt” is empty")
    expect(field(alice)).to_have_value("with an empty file")
    expect(selected(alice)).to_have_text(["kept.txt", "empty.txt"])
    assert file_input(alice).evaluate("input => input.files.length") == 2

    alice.get_by_role("button", name="Remove empty.txt").click()
    field(alice).press("Enter")
    message = messages_with(alice, "with an empty file")
    expect(message.locator(".file-name")).to_have_text(["kept.txt"])
    # The refused post stored nothing: this is the room's one message.
    expect(alice.locator("#messages .message")).to_have_count(1)
    expect(selected(alice)).to_have_count(0)


def test_too_many_files_are_refused_and_given_back(logged_in, room_name, console):
    console.expect("413")  # the browser logs the refusal's status
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    names = [f"file-{n}.txt" for n in range(11)]
    file_input(alice).set_input_files([upload(name, b"x", "text/plain") for name in names])
    send(alice, "too many")
    expect(alice.get_by_role("alert")).to_contain_text("At most 10 files")
    expect(field(alice)).to_have_value("too many")
    expect(selected(alice)).to_have_text(names)
    expect(alice.locator("#messages .message")).to_have_count(0)


def test_a_large_upload_shows_its_progress(logged_in, room_name):
    alice, bob = two_in_room(logged_in, room_name)
    throttle_uploads(alice, SLOW_UPLOAD_BYTES_PER_SECOND * 2)
    big = upload("big.bin", bytes(LARGE_FILE_BYTES), "application/octet-stream")
    file_input(alice).set_input_files([big])
    progress = alice.locator("#upload-progress")
    expect(progress).to_be_hidden()
    send(alice, "a big one")

    # One check of the box as it shows mid-upload (separate checks could straddle its end):
    # visible, the bar moved, and the percentage written.
    alice.wait_for_function(
        """() => {
            const box = document.querySelector('#upload-progress');
            return !box.hidden && box.querySelector('progress').value > 0
                && /\\d+\\s?%/.test(box.querySelector('.upload-percent').textContent);
        }""",
        timeout=LONG_UPLOAD_MS,
    )
    expect(progress).to_be_hidden(timeout=LONG_UPLOAD_MS)
    expect(messages_with(bob, "a big one").locator(".file-name")).to_have_text("big.bin")


def test_cancel_stops_an_upload_and_gives_back_text_and_files(logged_in, room_name, console):
    # htmx reports an aborted request on the console as an error; here it is the point.
    console.expect(r"htmx:(sendAbort|afterRequest)")
    alice, bob = two_in_room(logged_in, room_name)
    throttle_uploads(alice, SLOW_UPLOAD_BYTES_PER_SECOND)
    file_input(alice).set_input_files(
        [upload("never.bin", bytes(LARGE_FILE_BYTES), "application/octet-stream")]
    )
    send(alice, "never sent")
    progress = alice.locator("#upload-progress")
    expect(progress).to_be_visible()
    expect(selected(alice)).to_have_count(0)
    progress.get_by_role("button", name="Cancel upload").click()

    expect(progress).to_be_hidden()
    expect(field(alice)).to_have_value("never sent")
    expect(field(alice)).to_be_focused()
    expect(selected(alice)).to_have_text(["never.bin"])

    # Nothing was stored: the next message is the room's first, on every page.
    alice.get_by_role("button", name="Remove never.bin").click()
    send(alice, "after the cancel")
    for page in (alice, bob):
        expect(messages_with(page, "after the cancel")).to_have_count(1)
        expect(page.locator("#messages .message")).to_have_count(1)


def send_images(page: Page, text: str, names: list[str]) -> None:
    colours = ["red", "green", "blue"]
    file_input(page).set_input_files(
        [
            upload(name, png(80 + 10 * n, 60, colours[n % 3]), "image/png")
            for n, name in enumerate(names)
        ]
    )
    send(page, text)


def test_the_viewer_by_keyboard(logged_in, room_name):
    alice, bob = two_in_room(logged_in, room_name)
    send_images(alice, "three pictures", ["one.png", "two.png", "three.png"])
    links = messages_with(bob, "three pictures").locator("a[data-viewer]")
    expect(links).to_have_count(3)
    hrefs = [links.nth(n).get_attribute("href") or "" for n in range(3)]

    links.first.focus()
    links.first.press("Enter")
    viewer = bob.locator("#image-viewer")
    # A dialog named by its image.
    expect(bob.get_by_role("dialog", name="one.png")).to_be_visible()
    image = viewer.locator("img")
    expect(image).to_have_attribute("src", ends_with(hrefs[0]))
    expect(viewer).to_contain_text("1 / 3")
    # The full image, loaded from its own URL.
    bob.wait_for_function("() => document.querySelector('#image-viewer img').naturalWidth === 80")

    bob.keyboard.press("ArrowRight")
    expect(bob.get_by_role("dialog", name="two.png")).to_be_visible()
    expect(image).to_have_attribute("src", ends_with(hrefs[1]))
    expect(viewer.locator(".viewer-counter")).to_have_text("2 / 3")
    bob.keyboard.press("ArrowLeft")
    bob.keyboard.press("ArrowLeft")
    expect(image).to_have_attribute("src", ends_with(hrefs[2]))
    expect(viewer.locator(".viewer-counter")).to_have_text("3 / 3")

    bob.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(links.first).to_be_focused()


def test_the_viewer_s_arrows_wrap_within_the_opened_message(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    # Messages with images just before and just after the one opened.
    for text, names in [
        ("pictures before", ["before-1.png", "before-2.png"]),
        ("three pictures", ["one.png", "two.png", "three.png"]),
        ("pictures after", ["after-1.png", "after-2.png"]),
    ]:
        send_images(alice, text, names)
        expect(messages_with(alice, text).locator("a[data-viewer]")).to_have_count(len(names))
    every_link = alice.locator("#messages a[data-viewer]")
    expect(every_link).to_have_count(7)
    links = messages_with(alice, "three pictures").locator("a[data-viewer]")
    hrefs = [links.nth(n).get_attribute("href") or "" for n in range(3)]
    everywhere = [every_link.nth(n).get_attribute("href") or "" for n in range(7)]
    others = [href for href in everywhere if href not in hrefs]
    assert len(others) == 4

    links.last.focus()
    links.last.press("Enter")
    viewer = alice.locator("#image-viewer")
    image, counter = viewer.locator("img"), viewer.locator(".viewer-counter")
    expect(counter).to_have_text("3 / 3")
    # From the last image on to the first, then from the first back past it to the last.
    for key, shown in [("ArrowRight", 0), ("ArrowRight", 1), ("ArrowRight", 2),
                       ("ArrowRight", 0), ("ArrowLeft", 2), ("ArrowLeft", 1),
                       ("ArrowLeft", 0), ("ArrowLeft", 2)]:  # fmt: skip
        alice.keyboard.press(key)
        expect(counter).to_have_text(f"{shown + 1} / 3")
        expect(image).to_have_attribute("src", ends_with(hrefs[shown]))
        source = image.get_attribute("src") or ""
        assert not any(source.endswith(other) for other in others)
    alice.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(links.last).to_be_focused()


def test_the_viewer_s_buttons_and_a_modified_click(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    send_images(alice, "two pictures", ["left.png", "right.png"])
    links = messages_with(alice, "two pictures").locator("a[data-viewer]")
    expect(links).to_have_count(2)
    links.nth(1).click()
    viewer = alice.locator("#image-viewer")
    expect(viewer.locator(".viewer-name")).to_have_text("right.png")
    viewer.get_by_role("button", name="Previous image").click()
    expect(viewer.locator(".viewer-name")).to_have_text("left.png")
    viewer.get_by_role("button", name="Close").click()
    expect(viewer).to_be_hidden()
    expect(links.nth(1)).to_be_focused()
    # Ctrl+click is the browser's (a new tab): the viewer stays shut.
    with alice.context.expect_page() as opened:
        links.first.click(modifiers=["Control"])
    opened.value.close()
    expect(viewer).to_be_hidden()


def test_a_room_with_attachments_has_no_serious_accessibility_violations(logged_in, room_name):
    alice = logged_in("alice")
    enter_room(alice, room_name)
    wait_until_live(alice)
    file_input(alice).set_input_files(
        [
            upload("picture.png", png(120, 90), "image/png"),
            upload("clip.webm", webm(alice), "video/webm"),
            upload("sound.mp3", mp3(), "audio/mpeg"),
            upload("report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ]
    )
    send(alice, "everything attached")
    message = messages_with(alice, "everything attached")
    for kind in ("image", "video", "audio", "file"):
        expect(message.locator(f".attachment.{kind}")).to_have_count(1)
    # And files waiting in the composer, listed with their buttons.
    file_input(alice).set_input_files([upload("waiting.txt", b"w", "text/plain")])
    expect(selected(alice)).to_have_count(1)
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        assert serious_violations(alice) == []
    message.locator("a[data-viewer]").click()
    expect(alice.locator("#image-viewer")).to_be_visible()
    assert serious_violations(alice) == []


def test_without_javascript_a_file_is_sent_by_the_plain_form(logged_in, room_name):
    page = logged_in("carol", javascript=False)
    enter_room(page, room_name)
    sent = png(30, 20, "navy")
    file_input(page).set_input_files([upload("plain.png", sent, "image/png")])
    # A file alone, no text.
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(f"/chat/{room_name}/")
    link = page.locator("#messages .message a.attachment-image")
    expect(link).to_have_count(1)
    # No viewer without JavaScript: the preview is a plain link to the full image.
    href = link.get_attribute("href")
    assert href is not None
    assert href.endswith("/plain.png")
    expect(link.locator("img")).to_have_attribute("alt", "plain.png")
    full = page.request.get(href)
    assert full.headers["content-type"] == "image/png"
    assert full.body() == sent
