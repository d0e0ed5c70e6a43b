// Following the newest message, the "New messages below" button, and keeping the
// reader's place when history is inserted above.

import { messageList, scroller } from "./page.js";

// Within this distance of the bottom the reader follows new messages.
const FOLLOW_THRESHOLD_PX = 48;

const jumpButton = () => document.getElementById("jump-to-latest");

export function isNearBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < FOLLOW_THRESHOLD_PX;
}

export function scrollToBottom() {
  const box = scroller();
  if (box) box.scrollTop = box.scrollHeight;
  jumpButton()?.setAttribute("hidden", "");
}

export function showJumpToLatest() {
  jumpButton()?.removeAttribute("hidden");
}

// The first message (not a divider: those are placed anew around a merge) in view.
export function firstVisible(list, box) {
  const top = box.getBoundingClientRect().top;
  for (const child of list.children) {
    if (child.dataset.id !== undefined && child.getBoundingClientRect().bottom > top) return child;
  }
  return null;
}

// Opening a room: at the end, unless that would scroll the "New" divider out of view above
// (more unread messages than fit), in which case the reader starts at the divider.
export function scrollToFirstUnread() {
  scrollToBottom();
  const box = scroller();
  let divider = document.getElementById("unread-divider");
  if (!box || !divider) return;
  // The day's divider just above it too, when there is one.
  while (divider.previousElementSibling?.classList.contains("divider")) divider = divider.previousElementSibling;
  const hidden = box.getBoundingClientRect().top - divider.getBoundingClientRect().top;
  if (hidden <= 0) return;
  box.scrollTop -= hidden;
  showJumpToLatest();
}

// "Load older" changes everything above the reader: the control and the messages. Keep
// the first message in view where it was across the whole swap.
let keptPlace = null;

function rememberPlace(event) {
  const box = scroller();
  if (!box || !event.detail.requestConfig?.elt?.closest?.("#older")) return;
  const anchor = firstVisible(messageList(), box);
  keptPlace = anchor && { anchor, top: anchor.getBoundingClientRect().top };
}

function restorePlace() {
  if (!keptPlace) return;
  scroller().scrollTop += keptPlace.anchor.getBoundingClientRect().top - keptPlace.top;
  keptPlace = null;
}

export function listen() {
  document.addEventListener("htmx:beforeSwap", rememberPlace);
  document.addEventListener("htmx:afterSwap", restorePlace);
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("#jump-to-latest")) scrollToBottom();
  });
  document.addEventListener(
    "scroll",
    (event) => {
      if (event.target === scroller() && isNearBottom(event.target)) jumpButton()?.setAttribute("hidden", "");
    },
    true,
  );
}
