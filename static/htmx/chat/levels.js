// The viewer's notification levels and the rule of notifications/levels.py, applied by the
// page to the one broadcast fragment: its data-author and data-mentions, and the levels
// the page was rendered with (#notification-data, per viewer; never in fragments).

let data = null;

function pageData() {
  if (!data) {
    const script = document.getElementById("notification-data");
    data = script ? JSON.parse(script.textContent) : { room: null, levels: {} };
  }
  return data;
}

// The room page's own room (null in the lobby), its label, a conversation or not.
export const currentRoom = () => pageData().room;
export const currentLabel = () => pageData().label;
export const titleFormat = () => pageData().title ?? "{author} · {room}";

// A room the page was not rendered with (one that appeared in the lobby since) is heard of
// by mentions, as a new public room is.
export function levelFor(roomId) {
  const form = document.getElementById("notification-level");
  if (form && form.dataset.room === String(roomId)) return form.dataset.level;
  return pageData().levels[String(roomId)] ?? "mentions";
}

// As notifications.levels.qualifies: never one's own message, an event line or a deleted
// message; everything; mentions only (a conversation mentions you every time); nothing.
export function qualifies(message, level, direct = pageData().direct) {
  const me = document.body.dataset;
  const ours = message.dataset.author === undefined || message.dataset.author === me.userId;
  if (ours || !message.classList.contains("message")) return false;
  if (message.classList.contains("event") || message.classList.contains("deleted")) return false;
  if (level === "everything") return true;
  if (level === "mentions") return direct || mentions(message.dataset.mentions, me.username);
  return false;
}

export const mentions = (names, username) => (names ?? "").split(" ").includes(username);

// The lobby: how many of a row's unread messages count for its room's level.
export function rowCount(row) {
  const level = levelFor(row.id.replace("lobby-room-", ""));
  if (level === "everything" || row.querySelector(".dm-member")) {
    return level === "nothing" ? 0 : Number(row.dataset.unread ?? 0);
  }
  return level === "mentions" ? Number(row.dataset.unreadMentions ?? 0) : 0;
}
