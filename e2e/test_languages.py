"""A Spanish reader and an English one in the same room: each page in its own language,
live, with one fragment per language rendered on the server."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ConsoleWatch, messages_with, room_heading, wait_until_live
from e2e.test_rooms_and_people import serious_violations
from support.asgi import AsgiServer
from support.users import PASSWORD


def spanish_page(
    browser: Browser, contexts: list, console: ConsoleWatch, server: AsgiServer, user: str
) -> Page:
    """A page of a browser that prefers Spanish, logged in through the Spanish form."""
    context = browser.new_context(base_url=server.url, locale="es-ES")
    contexts.append(context)
    page = console.watch(context.new_page())
    page.goto("/accounts/login/?next=/chat/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Nombre de usuario").fill(user)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page).to_have_url(f"{server.url}/chat/")
    return page


def enter(page: Page, room: str, *, label: str, button: str) -> None:
    page.goto("/chat/")
    page.get_by_label(label).fill(room)
    page.get_by_role("button", name=button).click()
    expect(room_heading(page, room)).to_be_visible()
    wait_until_live(page)


def test_each_reader_sees_the_other_live_in_their_own_language(
    browser, contexts, console, server, logged_in, room_name
):
    alice = logged_in("alice")
    bob = spanish_page(browser, contexts, console, server, "bob")
    expect(bob.get_by_role("heading", name="Salas")).to_be_visible()
    enter(alice, room_name, label="Room name", button="Join or create")
    enter(bob, room_name, label="Nombre de la sala", button="Entrar o crear")
    expect(bob.locator(".presence-count")).to_have_text("2 personas aquí")
    expect(alice.locator(".presence-count")).to_have_text("2 here")

    bob.get_by_label("Mensaje", exact=True).fill("hola, soy bob")
    bob.get_by_label("Mensaje", exact=True).press("Enter")
    mine = messages_with(bob, "hola, soy bob")
    expect(mine.get_by_role("link", name="Editar")).to_be_visible()
    expect(mine.get_by_role("link", name="Borrar")).to_be_visible()
    expect(messages_with(alice, "hola, soy bob")).to_have_count(1)

    alice.get_by_label("Message", exact=True).press_sequentially("hi")
    expect(bob.locator("#typing")).to_have_text("alice está escribiendo…")
    alice.get_by_label("Message", exact=True).press("Enter")
    theirs = messages_with(bob, "hi")
    expect(theirs).to_have_count(1)

    # Alice edits, then deletes: each page marks it in its own language.
    ours = messages_with(alice, "hi")
    ours.get_by_role("link", name="Edit").click()
    field = alice.get_by_label("Edit message")
    field.fill("hi again")
    field.press("Enter")
    expect(messages_with(bob, "hi again").locator(".edited")).to_have_text("(editado)")
    expect(messages_with(alice, "hi again").locator(".edited")).to_have_text("(edited)")
    alice.once("dialog", lambda dialog: dialog.accept())
    messages_with(alice, "hi again").get_by_role("link", name="Delete").click()
    expect(bob.locator("#messages .tombstone")).to_have_text("Mensaje borrado")
    expect(alice.locator("#messages .tombstone")).to_have_text("Message deleted")
    expect(bob.locator(".connection")).to_have_text("Conectado")
    assert serious_violations(bob) == []


def test_the_spanish_reader_s_lobby_search_and_errors_are_spanish(
    browser, contexts, console, server
):
    bob = spanish_page(browser, contexts, console, server, "bob")
    bob.get_by_role("searchbox", name="Buscar mensajes").fill("nada-que-encontrar")
    bob.get_by_role("button", name="Buscar").click()
    expect(bob.get_by_role("status")).to_have_text("Ningún mensaje contiene «nada-que-encontrar».")
    console.expect(r"status of 404")
    bob.goto("/chat/no-existe-esta-sala/")
    expect(bob.get_by_role("button", name="Crear #no-existe-esta-sala")).to_be_visible()
    bob.goto("/chat/no~valida/")
    expect(bob.get_by_role("heading", name="No encontrado")).to_be_visible()
    assert serious_violations(bob) == []


def test_the_language_picker_switches_and_sticks(browser, contexts, console, server):
    bob = spanish_page(browser, contexts, console, server, "bob")
    bob.get_by_label("Idioma").select_option("en")
    expect(bob.locator("html")).to_have_attribute("lang", "en")
    expect(bob.get_by_role("heading", name="Rooms")).to_be_visible()
    bob.goto("/chat/~search/?q=anything")
    expect(bob.locator("html")).to_have_attribute("lang", "en")
    bob.get_by_label("Language").select_option("es")
    expect(bob.locator("html")).to_have_attribute("lang", "es")
    bob.goto("/chat/")
    expect(bob.get_by_role("heading", name="Salas")).to_be_visible()
