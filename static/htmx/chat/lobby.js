// The `lobby` swap. A room's row arrives with its latest message; the counts are this
// viewer's own, kept on the row the page rendered and counted up here. Rows fetched from
// the server when the socket (re)opens carry the viewer's counts already, and replace
// older rows only.

import { numeric } from "./page.js";
import { localiseTimes } from "./times.js";

export function mergeLobbyRows(list, fragment) {
  const me = document.body.dataset;
  const changed = [];
  for (const row of Array.from(fragment.children)) {
    if (!row.id) continue;
    const existing = document.getElementById(row.id);
    const live = row.dataset.unread === undefined;
    if (existing) {
      const newer = numeric(row, "lastId") - numeric(existing, "lastId");
      // A live row must bring a newer message; a fetched one must not be older, and one
      // that changes nothing stays unreplaced (a row swapped under a click loses the click).
      if (live ? newer <= 0 : newer < 0 || (newer === 0 && sameCounts(row, existing))) continue;
    }
    if (live) countOn(row, existing?.dataset, me);
    // Before it is shown, not when htmx settles the swap: never a moment in UTC.
    localiseTimes(row);
    existing?.remove();
    list.querySelector(":scope > .quiet")?.remove();
    list.append(row);
    changed.push(row);
  }
  // Message ids only grow, so the newest message first is the most recent activity first.
  const rows = Array.from(list.children).filter((row) => row.dataset.lastId !== undefined);
  rows.sort((a, b) => numeric(b, "lastId") - numeric(a, "lastId")).forEach((row) => list.append(row));
  return changed;
}

function sameCounts(row, existing) {
  return ["lastRead", "unread", "unreadMentions"].every((key) => row.dataset[key] === existing.dataset[key]);
}

// Count the live row's message on the viewer's counts so far (`state`, the replaced row's).
function countOn(row, state, me) {
  state = state ?? { lastRead: "", unread: "0", unreadMentions: "0" };
  let unread = Number(state.unread);
  let mentions = Number(state.unreadMentions);
  const joined = state.lastRead !== "";
  if (joined && row.dataset.author !== me.userId && numeric(row, "lastId") > Number(state.lastRead)) {
    unread += 1;
    if (row.dataset.mentions.split(" ").includes(me.username)) mentions += 1;
  }
  row.dataset.lastRead = state.lastRead;
  row.dataset.unread = unread;
  row.dataset.unreadMentions = mentions;
  showCount(row.querySelector(".unread"), unread, "");
  showCount(row.querySelector(".unread-mentions"), mentions, "@");
}

function showCount(badge, count, prefix) {
  badge.dataset.count = count;
  badge.firstChild.textContent = `${prefix}${count}`;
}
