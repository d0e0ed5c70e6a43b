// Read markers: what the reader has seen in this room, told to the server (for the
// lobby's unread counts) a moment after messages arrive while the page is in view.

import { messageList, room } from "./page.js";

const READ_DELAY_MS = 1000;

let readTimer = null;

export function markReadSoon() {
  const current = room();
  if (!current?.dataset.readUrl || current.dataset.connection === "history" || readTimer) return;
  readTimer = setTimeout(() => {
    readTimer = null;
    const newest = document.querySelector("#messages > [data-id]:last-child");
    // "closed": the server ended this page for good (no access any more, signed out), so a
    // marker would only be refused; the last message may have come just before that.
    if (!newest || document.visibilityState !== "visible" || current.dataset.connection === "closed") return;
    htmx
      .ajax("POST", current.dataset.readUrl, {
        source: messageList(),
        values: { up_to: newest.dataset.id },
        swap: "none",
      })
      // Read: the tab's count and badge (tab.js) drop what this covers.
      .then(() => document.dispatchEvent(new CustomEvent("chat:read", { detail: { upTo: Number(newest.dataset.id) } })))
      // Lost with the server or the network: the next marker covers it.
      .catch(() => {});
  }, READ_DELAY_MS);
}
