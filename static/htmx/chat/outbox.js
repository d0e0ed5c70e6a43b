// The outbox: no typed message is lost to the post limit, a reload or a lost connection.
// A text post is taken from the composer as it leaves, with its one-time key, kept in the
// tab's sessionStorage (outbox-store.js) and sent from here strictly one after another. One
// refused for rate (429) waits its Retry-After and goes again, still ahead of the ones typed
// after it; one lost to the network goes again after a short pause. Each shows as
// "sending…" above the composer, for its author only, until the server has stored it (the
// one-time key makes a repeat store nothing new).
//
// A post with files goes by htmx for its progress and Cancel (uploads.js), unless posts are
// waiting before it here: then it waits its turn here too. One that htmx sends and the
// server refuses for rate becomes the outbox's, in its place among the others, its files
// held in memory: unlike text, files are not kept across a reload (sessionStorage holds no
// File), so a reload drops such a post (its author sees the "sending…" line until then).

import * as attach from "./attach.js";
import { clearComposer } from "./composer.js";
import { refuseTooLong } from "./counter.js";
import { pendingItem, refused, settled, showProgress } from "./outbox-items.js";
import * as store from "./outbox-store.js";
import { clearReply } from "./replies.js";
import { postForm, retryAfterMs } from "./request.js";

const queue = [];
let sending = false;
// Every post's place in the order its author sent them.
let placed = 0;
// htmx's posts with files in flight (their requests, with their places): the outbox waits
// for them, so that no post overtakes one sent before it.
const uploads = new Map();
const NETWORK_PAUSE_MS = 2000;

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const isFile = (value) => value instanceof File && value.name !== "";
const filesOf = (data) => Array.from(data.values()).filter(isFile);

function newPost(url, data, place) {
  const text = String(data.get("body") ?? "");
  const files = filesOf(data);
  const key = String(data.get("client_key") ?? "");
  return { url, data, place, text, files, key, notBefore: 0, item: pendingItem(text, files) };
}

// In its place: after every post sent before it, never ahead of the one being sent.
function enqueue(post) {
  const after = queue.findIndex((other, index) => (index > 0 || !sending) && other.place > post.place);
  queue.splice(after < 0 ? queue.length : after, 0, post);
  drain();
}

function stored(post, html) {
  // The answer is the message, merged out of band as htmx would (the socket brings it too,
  // or not at all while Redis is down; the page keeps one copy).
  htmx.swap(document.getElementById("composer") ?? document.body, html, { swapStyle: "none" });
  settled(post.item);
}

async function send(post) {
  for (;;) {
    await wait(post.notBefore - Date.now());
    let answer;
    try {
      answer = await postForm(post.url, post.data, post.files.length ? (done) => showProgress(post.item, done) : null);
    } catch {
      post.notBefore = Date.now() + NETWORK_PAUSE_MS;
      continue;
    }
    if (answer.status === 429 || answer.status >= 500) {
      post.notBefore = Date.now() + (answer.status === 429 ? retryAfterMs(answer) : NETWORK_PAUSE_MS);
      continue;
    }
    // Answered for good: nothing to send again after a reload.
    store.forget(post.url, post.key);
    if (answer.status < 300 && answer.getResponseHeader("HX-Reswap") === "none") stored(post, answer.responseText);
    else refused(post, answer.responseText, attach);
    return;
  }
}

async function drain() {
  if (sending) return;
  sending = true;
  while (queue.length && !uploads.size) {
    await send(queue[0]);
    queue.shift();
  }
  sending = false;
}

function take(event) {
  const form = event.detail.elt;
  if (form?.id !== "composer" || !document.getElementById("outbox")) return;
  const data = new FormData(form);
  const files = filesOf(data);
  if (files.length && !queue.length) return;
  // Empty: htmx's own post brings the server's "Type a message first."
  if (!String(data.get("body") ?? "").trim() && !files.length) return;
  event.preventDefault();
  if (refuseTooLong(form)) return;
  clearComposer(form);
  if (files.length) attach.setFiles([]);
  // The reply (if any) went with this post's data.
  clearReply();
  const post = newPost(form.action, data, ++placed);
  if (!files.length) store.keep(post.url, data);
  enqueue(post);
}

function uploadStarted(event) {
  const { elt, xhr, requestConfig } = event.detail;
  if (elt?.id === "composer" && requestConfig?.formData && filesOf(requestConfig.formData).length) {
    uploads.set(xhr, ++placed);
  }
}

function uploadRefused(event) {
  const { xhr, requestConfig } = event.detail;
  if (!uploads.has(xhr) || xhr.status !== 429 || !document.getElementById("outbox")) return;
  // Not the composer back with the error: the post waits here and goes again by itself.
  event.detail.shouldSwap = false;
  const post = newPost(requestConfig.path, requestConfig.formData, uploads.get(xhr));
  post.notBefore = Date.now() + retryAfterMs(xhr);
  enqueue(post);
}

function uploadEnded(event) {
  if (uploads.delete(event.detail.xhr)) drain();
}

// The room's page opens (again): its posts kept from before go first, in their order.
function restore() {
  const form = document.getElementById("composer");
  if (!form || !document.getElementById("outbox")) return;
  store.keptPosts(form).forEach((data) => enqueue(newPost(form.action, data, ++placed)));
}

export function listen() {
  document.addEventListener("htmx:confirm", take);
  document.addEventListener("htmx:beforeRequest", uploadStarted);
  document.addEventListener("htmx:beforeSwap", uploadRefused);
  document.addEventListener("htmx:afterRequest", uploadEnded);
  restore();
}
