// The composer. A post leaves with what was typed; the field empties at once and takes a
// new one-time key, so the next message can be typed (and queued) while this one is on its
// way. Should the post fail outright or be cancelled, what was typed comes back (and its
// files: uploads.js). Enter sends, Shift+Enter starts a new line, in every form marked
// `data-enter-submits`.

import { sentMessage } from "./typing.js";

// What the last post took from the field, until the next one.
let unsent = "";

// A random (version 4) UUID: crypto.randomUUID needs a secure context, plain http does not have one.
function newClientKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Empties the composer for the next message (a new one-time key) and answers what it held.
export function clearComposer(form) {
  const field = form.querySelector("textarea");
  const text = field.value;
  field.value = "";
  form.querySelector("[name=client_key]").value = newClientKey();
  // A new attempt: the last one's error, if any, no longer applies.
  document.getElementById("composer-error")?.remove();
  sentMessage();
  return text;
}

function takeMessage(event) {
  const form = event.detail.elt;
  if (form.id === "composer") unsent = clearComposer(form);
}

function restoreUnsent(event) {
  const field = event.detail.elt.id === "composer" && event.detail.elt.querySelector("textarea");
  if (field && !field.value) field.value = unsent;
}

function enterSubmits(event) {
  const field = event.target;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  if (!(field instanceof HTMLTextAreaElement) || !field.form?.hasAttribute("data-enter-submits")) return;
  event.preventDefault();
  field.form.requestSubmit();
}

export function focusComposer() {
  document.querySelector("#composer textarea")?.focus();
}

export function listen() {
  document.addEventListener("htmx:beforeRequest", takeMessage);
  document.addEventListener("htmx:sendError", restoreUnsent);
  document.addEventListener("htmx:responseError", restoreUnsent);
  document.addEventListener("htmx:sendAbort", restoreUnsent);
  document.addEventListener("keydown", enterSubmits);
}
