// Mention suggestions. Typing "@" and letters in the composer asks the server who can see
// the room and matches (rooms/views/people.py answers a rendered listbox); while the list is
// open the textarea is an ARIA combobox: ArrowUp/Down move, Enter or Tab inserts
// "@username ", Escape closes. Enter picks rather than sends while the list is open.

// "@" at the start or after a space, then the letters typed so far, up to the caret.
const TYPED_MENTION = /(^|\s)@([\w.@+-]{1,150})$/u;
let asked = 0;

const composerField = () => document.querySelector("#composer textarea");
const list = () => document.getElementById("mention-suggestions");
const options = () => Array.from(list()?.querySelectorAll("[role=option]") ?? []);

function typedMention(field) {
  const match = field.value.slice(0, field.selectionStart).match(TYPED_MENTION);
  return match ? match[2] : null;
}

function close() {
  // An answer still on its way was asked for before this: it must not open the list again.
  asked += 1;
  list()?.remove();
  const field = composerField();
  if (!field) return;
  for (const name of ["role", "aria-expanded", "aria-controls", "aria-activedescendant", "aria-autocomplete"]) {
    field.removeAttribute(name);
  }
}

function open(field, html) {
  list()?.remove();
  const answer = document.createElement("template");
  answer.innerHTML = html;
  const listbox = answer.content.getElementById("mention-suggestions");
  if (!listbox || !listbox.querySelector("[role=option]")) return close();
  field.closest(".composer-row").after(listbox);
  field.setAttribute("role", "combobox");
  field.setAttribute("aria-autocomplete", "list");
  field.setAttribute("aria-expanded", "true");
  field.setAttribute("aria-controls", listbox.id);
  choose(0);
}

function choose(index) {
  const all = options();
  if (!all.length) return;
  const chosen = all[(index + all.length) % all.length];
  all.forEach((option) => option.setAttribute("aria-selected", String(option === chosen)));
  composerField().setAttribute("aria-activedescendant", chosen.id);
  chosen.scrollIntoView({ block: "nearest" });
}

function insert(option) {
  const field = composerField();
  const typed = typedMention(field);
  if (typed === null) return close();
  const caret = field.selectionStart;
  const start = caret - typed.length - 1;
  const mention = `@${option.dataset.username} `;
  field.value = field.value.slice(0, start) + mention + field.value.slice(caret);
  field.selectionStart = field.selectionEnd = start + mention.length;
  close();
  field.focus();
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

async function suggest(field) {
  const typed = typedMention(field);
  const url = field.form?.dataset.mentions;
  if (typed === null || !url) return close();
  const number = ++asked;
  try {
    const response = await fetch(`${url}?q=${encodeURIComponent(typed)}`, { credentials: "same-origin" });
    // Only the answer to the latest letters counts; an older one arriving late is dropped.
    if (number === asked && response.ok) open(field, await response.text());
  } catch {
    // Suggestions are a help: without them, the name is simply typed out.
  }
}

function onInput(event) {
  if (event.target === composerField()) suggest(event.target);
}

// Runs before the composer's own Enter (a capturing listener), so Enter picks a person.
function onKeydown(event) {
  if (event.target !== composerField() || !list() || event.isComposing) return;
  const all = options();
  const current = all.findIndex((option) => option.getAttribute("aria-selected") === "true");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    choose(current + (event.key === "ArrowDown" ? 1 : -1));
  } else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
    insert(all[Math.max(current, 0)]);
  } else if (event.key === "Escape") {
    close();
  } else {
    return;
  }
  event.preventDefault();
  event.stopImmediatePropagation();
}

function onPointer(event) {
  const option = event.target.closest?.("#mention-suggestions [role=option]");
  if (!option) return;
  event.preventDefault(); // the textarea keeps the focus and its caret
  insert(option);
}

export function listen() {
  document.addEventListener("input", onInput);
  document.addEventListener("keydown", onKeydown, true);
  document.addEventListener("mousedown", onPointer);
  document.addEventListener("focusout", (event) => {
    if (event.target === composerField()) close();
  });
  document.addEventListener("htmx:confirm", close);
}
