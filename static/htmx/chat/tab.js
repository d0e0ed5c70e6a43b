// The tab's unread count for the viewer's levels. In a room: messages that qualify and
// arrived while the tab was hidden, until reads.js marks them read ("chat:read"); each
// raises a desktop notification too. In the lobby: the rows' unread counts that qualify,
// muted rooms dimmed. Decided here from the shared fragments and the page's own levels.

import { showCount } from "./badge.js";
import { currentRoom, levelFor, qualifies, rowCount } from "./levels.js";
import { notifyOf } from "./notify.js";
import { messageList } from "./page.js";

// Ids of messages that arrived unseen, not read yet (counted anew as levels change).
const unseen = new Set();
const seen = new Set();

const messageElement = (id) => document.getElementById(`message-${id}`);

function roomCount() {
  const level = levelFor(currentRoom());
  return Array.from(unseen).filter((id) => {
    const message = messageElement(id);
    return message && qualifies(message, level);
  }).length;
}

function arrived(message) {
  const id = message.dataset.id;
  // A new revision of a message already seen (an edit, a deletion) is no new message.
  if (!id || seen.has(id)) return;
  seen.add(id);
  if (document.visibilityState === "visible") return;
  unseen.add(id);
  if (document.hidden && qualifies(message, levelFor(currentRoom()))) notifyOf(message);
}

function watchRoom(list) {
  // What the page was rendered with is read already (the server marked it so).
  for (const message of list.querySelectorAll(":scope > [data-id]")) seen.add(message.dataset.id);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node.dataset?.id) arrived(node);
    }
    showCount(roomCount());
  }).observe(list, { childList: true });
  document.addEventListener("chat:read", (event) => {
    for (const id of Array.from(unseen)) if (Number(id) <= event.detail.upTo) unseen.delete(id);
    showCount(roomCount());
  });
}

function lobbyCount(list) {
  let total = 0;
  for (const row of list.querySelectorAll(":scope > .room-row")) {
    const muted = levelFor(row.id.replace("lobby-room-", "")) === "nothing";
    row.classList.toggle("muted", muted);
    total += rowCount(row);
  }
  showCount(total);
}

function watchLobby(list) {
  lobbyCount(list);
  new MutationObserver(() => lobbyCount(list)).observe(list, { childList: true });
}

export function listen() {
  const list = messageList();
  if (list && currentRoom() !== null) watchRoom(list);
  const rows = document.getElementById("room-list");
  if (rows) watchLobby(rows);
  // The level changed in the header: what counts changes with it.
  document.addEventListener("htmx:afterSettle", () => {
    if (list && currentRoom() !== null) showCount(roomCount());
    if (rows) lobbyCount(rows);
  });
}
