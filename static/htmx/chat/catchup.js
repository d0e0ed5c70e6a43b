// Whatever changed while the page loaded or its socket was down. The lobby asks for its
// list anew; a room for every change after its newest message and its confirmed revision,
// in pieces, until the server says it is caught up.

import { live, messageList, room } from "./page.js";
import { markReadSoon } from "./reads.js";
import { confirmedRevision, confirmUpTo } from "./revisions.js";

const RETRY_MS = 2000;

export function resync() {
  const current = live();
  if (current?.dataset.refreshUrl) {
    // The lobby: its counts are the viewer's own, so ask for the list anew.
    htmx
      .ajax("GET", current.dataset.refreshUrl, { source: current, target: "#room-list", swap: "lobby" })
      .catch(retryResync);
  } else if (current?.dataset.messagesUrl) {
    catchUp();
  }
}

// A fetch that failed (the server restarting under us) is tried again while the socket
// stays open; a socket that closes meanwhile resyncs when it reopens anyway.
function retryResync() {
  setTimeout(() => {
    if (live()?.dataset.connection === "open") resync();
  }, RETRY_MS);
}

function catchUp() {
  const list = messageList();
  const newest = list.querySelector("[data-id]:last-child");
  const after = newest ? newest.dataset.id : 0;
  const url = `${room().dataset.messagesUrl}?after=${after}&since=${confirmedRevision()}`;
  htmx.ajax("GET", url, { source: list, swap: "none" }).catch(retryResync);
}

// Back from a hidden tab (or a sleeping laptop): check nothing was missed meanwhile.
let wasHidden = false;

function cameBack() {
  if (document.visibilityState === "hidden") {
    wasHidden = true;
    return;
  }
  if (!wasHidden || live()?.dataset.connection !== "open") return;
  wasHidden = false;
  resync();
  markReadSoon();
}

export function listen() {
  // The server's answer to each piece: more to fetch, or every change up to `revision` sent.
  document.addEventListener("chat:caught-up", (event) => {
    if (event.detail.more) catchUp();
    else confirmUpTo(event.detail.revision);
  });
  document.addEventListener("visibilitychange", cameBack);
}
