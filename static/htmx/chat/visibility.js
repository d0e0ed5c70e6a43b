// Whether this room page is visible (a tab in front, a window not minimised), told to the
// server over the page's socket whenever the socket opens and whenever it changes: web push
// skips people who are looking at the room (rooms/visibility.py).

import { openSocket } from "./connection.js";
import { room } from "./page.js";

function tell() {
  const socket = openSocket();
  if (!socket || !room()) return;
  const visible = document.visibilityState === "visible";
  socket.sendImmediately(JSON.stringify({ type: "visibility", visible }));
}

export function listen() {
  // After connection.js's own listener (registered first), so the socket is known.
  document.addEventListener("htmx:wsOpen", tell);
  document.addEventListener("visibilitychange", tell);
}
