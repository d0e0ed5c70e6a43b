// "<name> is typing…": told to the room at most every 2 s while the composer changes, and
// shown for 5 s after each notice, or until that person's message arrives.

import { openSocket } from "./connection.js";

const TYPING_SEND_INTERVAL_MS = 2000;
const TYPING_SHOWN_MS = 5000;

let lastTypingSent = 0;

// A line merged into #typing disappears by itself.
export function expireTyping(line) {
  setTimeout(() => line.remove(), TYPING_SHOWN_MS);
}

// Their message arrived: they are no longer typing it.
export function typingEnded(author) {
  document.getElementById(`typing-${author}`)?.remove();
}

// A message just left: the next keystroke starts a new one, and says so at once.
export function sentMessage() {
  lastTypingSent = 0;
}

export function listen() {
  document.addEventListener("input", (event) => {
    const socket = openSocket();
    if (!event.target.closest?.("#composer") || !socket) return;
    const now = Date.now();
    if (now - lastTypingSent < TYPING_SEND_INTERVAL_MS) return;
    lastTypingSent = now;
    socket.sendImmediately(JSON.stringify({ type: "typing" }));
  });
}
