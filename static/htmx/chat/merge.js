// The `merge` swap: insert each incoming element once. Replace an older revision of it,
// ignore a copy, and place new messages in id order, so that socket, catch-up, the
// sender's own post and "Load older" may overlap freely.

import { layoutMessages } from "./dividers.js";
import { numeric, scroller } from "./page.js";
import { markReadSoon } from "./reads.js";
import { sawRevision } from "./revisions.js";
import { firstVisible, isNearBottom, scrollToBottom, showJumpToLatest } from "./scroll.js";
import { localiseTimes } from "./times.js";
import { typingEnded } from "./typing.js";

// Live updates about messages older than the oldest one shown are dropped (they belong
// to history not loaded), unless the fragment is history itself (`olderToo`). Returns the
// elements that changed the page.
export function merge(list, fragment, olderToo) {
  const box = scroller();
  const following = box && isNearBottom(box);
  const anchor = box && !following ? firstVisible(list, box) : null;
  const anchorTop = anchor?.getBoundingClientRect().top;
  // Only a page with older history still to load has such a boundary: one that holds the
  // room from its start takes everything (a page that began empty and posted while
  // disconnected must still get the messages others posted before its own).
  const oldestShown = document.querySelector("#older a") ? list.querySelector("[data-id]") : null;
  const changed = [];
  let newArrived = false;

  for (const incoming of Array.from(fragment.children)) {
    if (incoming.dataset.revision) sawRevision(numeric(incoming, "revision"));
    const existing = incoming.id ? document.getElementById(incoming.id) : null;
    if (existing) {
      if (isStale(incoming, existing)) continue;
      existing.replaceWith(incoming);
    } else if (incoming.dataset.id) {
      if (!olderToo && oldestShown && numeric(incoming, "id") < numeric(oldestShown, "id")) continue;
      insertInIdOrder(list, incoming);
      newArrived = true;
    } else {
      list.append(incoming);
    }
    changed.push(incoming);
    // In the reader's time before it is shown, not once htmx settles the swap.
    localiseTimes(incoming);
    if (incoming.dataset.author) typingEnded(incoming.dataset.author);
  }

  // The dividers and groups change with the messages, before the reader's place is restored.
  if (list.id === "messages") layoutMessages(list);
  if (following) scrollToBottom();
  else if (anchor) box.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
  if (newArrived && !following && !olderToo) showJumpToLatest();
  if (newArrived && !olderToo) markReadSoon();
  return changed;
}

// Messages carry the room revision of their last change; presence a version of its own.
function isStale(incoming, existing) {
  for (const name of ["revision", "version"]) {
    if (incoming.dataset[name]) return numeric(incoming, name) <= numeric(existing, name);
  }
  return false;
}

// Dividers (no id) are passed over: dividers.js places them again after the merge.
function insertInIdOrder(list, incoming) {
  let next = null;
  let cursor = list.lastElementChild;
  while (cursor && (cursor.dataset.id === undefined || numeric(cursor, "id") > numeric(incoming, "id"))) {
    next = cursor;
    cursor = cursor.previousElementSibling;
  }
  list.insertBefore(incoming, next);
}
