// What the page draws between the room's messages, so that every message fragment stays the
// same for every reader: a divider before each day's first message ("Today", "Yesterday",
// then dates, in the reader's time zone and the page's language), the "New" divider before
// the first message this reader had not read when the page was rendered (#messages'
// `data-unread-from`), and messages grouped: one author's messages within a few minutes of
// each other show the name and picture once (`.continued` on the ones that follow).
//
// Dividers are elements among the messages (merge.js and scroll.js pass over them). They are
// placed anew after every merge, reusing the ones in place, so they never go stale and a
// page rendered without this script (days in UTC) is redrawn in the reader's own days.

import { messageList, room } from "./page.js";

const GROUP_WITHIN_MS = 5 * 60 * 1000;
// The page's words, in its language (rooms/context_processors.py).
const WORDS = JSON.parse(document.getElementById("live-protocol").textContent).reading;
const language = document.documentElement.lang || undefined;
const thisYear = new Intl.DateTimeFormat(language, { weekday: "long", month: "long", day: "numeric" });
const otherYear = new Intl.DateTimeFormat(language, { dateStyle: "full" });

// A day in the reader's time zone, as the server names days it renders: "2026-12-1".
const dayKey = (date) => `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;

function dayLabel(date) {
  const now = new Date();
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey(date) === dayKey(now)) return WORDS.today;
  if (dayKey(date) === dayKey(yesterday)) return WORDS.yesterday;
  return (date.getFullYear() === now.getFullYear() ? thisYear : otherYear).format(date);
}

// When a message was posted (an edit form in its place has no time).
function postedAt(message) {
  const time = message.querySelector(":scope > header time[datetime]");
  const when = time && new Date(time.dateTime);
  return when && !Number.isNaN(when.getTime()) ? when : null;
}

function newDivider(key) {
  const divider = document.createElement("div");
  divider.className = key === "unread" ? "divider unread-divider" : "divider day-divider";
  if (key === "unread") divider.id = "unread-divider";
  divider.dataset.key = key;
  return divider;
}

// Put the dividers `wanted` ([key, label] pairs, in order) just before `message`.
function placeBefore(list, message, wanted, spare) {
  let next = message;
  for (const [key, label] of wanted.reverse()) {
    const divider = spare.get(key) ?? newDivider(key);
    spare.delete(key);
    if (divider.textContent !== label) divider.textContent = label;
    if (divider.nextElementSibling !== next || divider.parentNode !== list) list.insertBefore(divider, next);
    next = divider;
  }
}

// The dividers now in the list, by key; a second one with a key already seen goes at once.
function dividersIn(list) {
  const spare = new Map();
  for (const divider of list.querySelectorAll(":scope > .divider")) {
    if (spare.has(divider.dataset.key)) divider.remove();
    else spare.set(divider.dataset.key, divider);
  }
  return spare;
}

export function layoutMessages(list = messageList()) {
  if (!list) return;
  const spare = dividersIn(list);
  const firstUnread = list.dataset.unreadFrom;
  let previous = null;
  let previousWhen = null;
  let lastDay = null;
  for (const message of Array.from(list.children)) {
    if (!message.dataset.id) continue;
    const when = postedAt(message);
    const wanted = [];
    if (when && dayKey(when) !== lastDay) {
      lastDay = dayKey(when);
      wanted.push([`day:${lastDay}`, dayLabel(when)]);
    }
    if (firstUnread && message.dataset.id === firstUnread) wanted.push(["unread", WORDS.new]);
    placeBefore(list, message, wanted, spare);
    const gap = when && previousWhen ? when - previousWhen : NaN;
    const sameAuthor = previous?.dataset.author === message.dataset.author;
    message.classList.toggle("continued", !wanted.length && sameAuthor && gap >= 0 && gap <= GROUP_WITHIN_MS);
    previous = message;
    previousWhen = when;
  }
  for (const stale of spare.values()) stale.remove();
}

// Messages swapped in place (an edit form, and the message back after "Cancel") change
// the groups around them; several may load at once, so they are laid out once afterwards.
let layoutQueued = false;

export function layoutSoon() {
  if (layoutQueued) return;
  layoutQueued = true;
  queueMicrotask(() => {
    layoutQueued = false;
    layoutMessages();
  });
}

// The page as it opens: laid out, and, on a live page, without the link to newer messages
// that pages without this script need (its socket's catch-up brings them).
export function arrive() {
  layoutMessages();
  if (room()?.hasAttribute("ws-connect")) document.getElementById("newer")?.remove();
}
