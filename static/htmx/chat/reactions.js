// Reactions. A message's fragment is the same for every viewer: which reactions are mine
// comes from each button's data-reactors (user ids), here made aria-pressed (the page's
// <style> colours them from the same attribute). The picker (templates/reactions/) opens
// in the page's dialog, near the message; a reaction chosen there closes it.

import { messageList } from "./page.js";

const dialog = () => document.getElementById("reaction-dialog");

// The reaction control last focused, so that focus survives its message being replaced.
let focused = null;

export function markMine(root) {
  const me = document.body.dataset.userId;
  for (const button of root.querySelectorAll(".reaction[data-reactors]")) {
    const mine = button.dataset.reactors.split(" ").includes(me);
    button.setAttribute("aria-pressed", String(mine));
  }
}

function rememberFocus(event) {
  const control = event.target.closest?.(".reactions button, .reactions a");
  const message = control?.closest(".message");
  focused = message ? { id: message.id, emoji: control.value || null } : null;
}

// A reaction's button adds or removes the viewer's. The request goes from the message list,
// not the button: the room's socket may replace the button's message before the answer
// comes, and htmx merges the answer (the message, out of band) only from a node still in
// the page.
function toggle(event) {
  const button = event.target.closest?.(".reactions .reaction");
  if (!button?.form) return;
  event.preventDefault();
  const values = { emoji: button.value };
  htmx.ajax("POST", button.form.action, { source: messageList(), values, swap: "none" });
}

// A merge replaced the message holding the focused control: focus its successor (or the
// message's "React" when that reaction is gone), unless the reader has moved on.
function restoreFocus(message) {
  if (!focused || message.id !== focused.id) return;
  const active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) return;
  const same = Array.from(message.querySelectorAll(".reaction")).find(
    (button) => button.value === focused.emoji,
  );
  (same || message.querySelector(".react-action"))?.focus();
}

// Below the message's "React" when there is room, above it otherwise.
function placeNear(box, anchor) {
  if (!anchor) return;
  const at = anchor.getBoundingClientRect();
  const below = at.bottom + 4;
  const top = below + box.offsetHeight > innerHeight ? at.top - box.offsetHeight - 4 : below;
  box.style.top = `${Math.max(8, top)}px`;
  box.style.left = `${Math.max(8, Math.min(at.left, innerWidth - box.offsetWidth - 8))}px`;
}

function reactAction() {
  const id = dialog()?.dataset.message;
  return id ? document.querySelector(`#message-${id} .react-action`) : null;
}

function pickerShown(event) {
  // A swap without a request (htmx.swap, as outbox.js merges a stored post) names no target.
  if (event.detail.target?.id !== "reaction-picker") return;
  const box = dialog();
  const picker = event.detail.target.querySelector(".picker");
  box.dataset.message = picker?.dataset.message || "";
  if (!box.open) {
    box.showModal();
    placeNear(box, reactAction());
  }
  // After an error, straight back to the field that holds what was typed.
  const invalid = box.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
}

function closePicker() {
  const box = dialog();
  if (box?.open) box.close();
}

function pickerClosed() {
  document.getElementById("reaction-picker").replaceChildren();
  reactAction()?.focus();
}

export function listen() {
  document.addEventListener("click", toggle);
  document.addEventListener("focusin", rememberFocus);
  // Shown once settled: htmx gives swapped-in forms their hx-post only then, and a picker
  // shown before that (at afterSwap, 20 ms earlier) posted a quick Enter as a plain form,
  // leaving the room for the page without JavaScript.
  document.addEventListener("htmx:afterSettle", pickerShown);
  document.addEventListener("chat:reacted", closePicker);
  dialog()?.addEventListener("close", pickerClosed);
  htmx.onLoad((root) => {
    markMine(root);
    if (root.classList?.contains("message")) restoreFocus(root);
  });
}
