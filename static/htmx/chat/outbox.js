// The outbox: no typed message is lost to the post limit. A text post (files aside, which
// keep htmx's path for their progress and Cancel: uploads.js) is taken from the composer as
// it leaves, with its one-time key, and sent from here strictly one after another. One
// refused for rate (429) waits its Retry-After and goes again, still ahead of the ones typed
// after it; one lost to the network goes again after a short pause. Each shows as
// "sending…" above the composer, for its author only, until the server has stored it (the
// one-time key makes a repeat store nothing new).

import { clearComposer } from "./composer.js";
import { refuseTooLong } from "./counter.js";

const queue = [];
let sending = false;
const NETWORK_PAUSE_MS = 2000;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function pendingItem(text) {
  const list = document.getElementById("outbox");
  const item = document.createElement("li");
  item.className = "outbox-item";
  const body = document.createElement("span");
  body.className = "outbox-body";
  body.textContent = text;
  const state = document.createElement("span");
  state.className = "outbox-state";
  state.textContent = list.dataset.sending;
  item.append(body, " ", state);
  list.append(item);
  list.hidden = false;
  return item;
}

function done(post) {
  post.item.remove();
  const list = document.getElementById("outbox");
  if (list && !list.children.length) list.hidden = true;
}

// Refused for what it is (too long, say): the text goes back to the composer if it is empty,
// with the server's own error; otherwise it stays listed with that error.
function refused(post, html) {
  const answer = document.createElement("template");
  answer.innerHTML = html;
  const error = answer.content.getElementById("composer-error");
  const field = document.querySelector("#composer textarea");
  if (field && !field.value) {
    field.value = post.text;
    if (error) field.closest(".composer-row").before(error);
    done(post);
    field.focus();
  } else {
    post.item.querySelector(".outbox-state").textContent = error?.textContent ?? "";
  }
}

async function send(post) {
  for (;;) {
    let response;
    try {
      response = await fetch(post.url, {
        method: "POST",
        body: post.data,
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
    } catch {
      await wait(NETWORK_PAUSE_MS);
      continue;
    }
    if (response.status === 429) {
      const seconds = Number(response.headers.get("Retry-After")) || 1;
      await wait(seconds * 1000);
      continue;
    }
    if (response.status >= 500) {
      await wait(NETWORK_PAUSE_MS);
      continue;
    }
    const html = await response.text();
    if (response.ok && response.headers.get("HX-Reswap") === "none") {
      // Stored: the answer is the message, merged out of band as htmx would (the socket
      // brings it too, or not at all while Redis is down; the page keeps one copy).
      const form = document.getElementById("composer");
      htmx.swap(form, html, { swapStyle: "none" }, { eventInfo: { elt: form, target: form } });
      done(post);
    } else {
      refused(post, html);
    }
    return;
  }
}

async function drain() {
  if (sending) return;
  sending = true;
  while (queue.length) {
    await send(queue[0]);
    queue.shift();
  }
  sending = false;
}

function take(event) {
  const form = event.detail.elt;
  if (form?.id !== "composer" || !document.getElementById("outbox")) return;
  if (form.querySelector("input[type=file]")?.files.length) return;
  const data = new FormData(form);
  // Empty: htmx's own post brings the server's "Type a message first."
  if (!String(data.get("body") ?? "").trim()) return;
  event.preventDefault();
  if (refuseTooLong(form)) return;
  const text = clearComposer(form);
  // The reply (if any) went with this post's data.
  document.getElementById("composer-reply")?.replaceChildren();
  queue.push({ url: form.action, data, text, item: pendingItem(text) });
  drain();
}

export function listen() {
  document.addEventListener("htmx:confirm", take);
}
