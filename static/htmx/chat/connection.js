// The page's socket (htmx's ws extension): its state on the live element
// (`data-connection`, `data-connects`), and reconnecting after every close that is not a
// refusal, with a catch-up each time it opens.

import { resync } from "./catchup.js";
import { live } from "./page.js";

// The server's close codes, from the page (rooms/context_processors.py builds them from
// rooms/protocol.py): from `refused_from` on, the server refused this socket for good.
const protocol = JSON.parse(document.getElementById("live-protocol").textContent);
// htmx's ws extension reconnects by itself only after these close codes (browser facts:
// abnormal closure, internal error, service restart, try again later).
const RETRIED_BY_HTMX = [1006, 1011, 1012, 1013];
// A close code of the page's own, when the browser goes offline: reconnect once back online.
const CLOSED_OFFLINE = 3001;

// What the page says of each state, in its own language (from the template).
const LABELS = protocol.connection;

// The socket wrapper of the ws extension while open (null otherwise), the last wrapper
// seen (it reconnects), the raw socket it wraps, and how the last one closed.
let socket = null;
let lastWrapper = null;
let rawSocket = null;
let lastCloseCode = null;
let reconnectTimer = null;

export const openSocket = () => socket;

function showConnection(state) {
  const current = live();
  current.dataset.connection = state;
  const status = current.querySelector(".connection");
  if (status) status.textContent = LABELS[state];
}

function reconnectSoon(wrapper, delay) {
  if (reconnectTimer) return;
  reconnectTimer = setTimeout(() => {
    reconnectTimer = null;
    if (live()) wrapper.reconnect();
  }, delay);
}

function opened(event) {
  socket = lastWrapper = event.detail.socketWrapper;
  const current = live();
  current.dataset.connects = String(Number(current.dataset.connects || 0) + 1);
  showConnection("open");
  resync();
}

function closed(event) {
  socket = null;
  lastWrapper = event.detail.socketWrapper;
  const code = (lastCloseCode = event.detail.event.code);
  if (code >= protocol.refused_from) {
    // The server refused this socket for good (signed out, no access).
    showConnection("closed");
    return;
  }
  showConnection("reconnecting");
  if (code !== CLOSED_OFFLINE && !RETRIED_BY_HTMX.includes(code)) {
    // A clean close (server timeout, proxy restart, the server's own "reconnect") would
    // otherwise end live updates.
    reconnectSoon(lastWrapper, 500 + Math.random() * 1500);
  }
}

export function listen() {
  // Back off 0.5 s, 1 s, 2 s … up to 10 s, with jitter: a restarted server is back in
  // seconds, and a thousand pages must not all return in the same millisecond.
  htmx.config.wsReconnectDelay = (retries) => Math.min(500 * 2 ** retries, 10000) * (0.5 + Math.random() / 2);
  const createWebSocket = htmx.createWebSocket;
  htmx.createWebSocket = (url) => (rawSocket = createWebSocket(url));

  document.addEventListener("htmx:wsOpen", opened);
  document.addEventListener("htmx:wsClose", closed);
  // Offline, the socket is as good as dead even while it looks open: close it, and open a
  // new one (which catches up) as soon as the network is back.
  window.addEventListener("offline", () => {
    if (rawSocket && rawSocket.readyState <= WebSocket.OPEN) rawSocket.close(CLOSED_OFFLINE);
  });
  window.addEventListener("online", () => {
    // Only after our own offline close: after any other, a retry is already scheduled.
    if (!socket && lastCloseCode === CLOSED_OFFLINE) reconnectSoon(lastWrapper, 0);
  });
}
