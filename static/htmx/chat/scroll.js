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

export function firstVisible(list, box) {
  const top = box.getBoundingClientRect().top;
  for (const child of list.children) if (child.getBoundingClientRect().bottom > top) return child;
  return null;
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
