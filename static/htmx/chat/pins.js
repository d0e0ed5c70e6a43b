// The "Pinned" panel is replaced whole when a pin changes (rooms/fragments.py room_header):
// a reader who had it open keeps it open.

let panelOpen = false;

function onToggle(event) {
  if (event.target.id === "pins") panelOpen = event.target.open;
}

export function keepPanelOpen(root) {
  if (root.id === "pins" && panelOpen) root.open = true;
}

export function listen() {
  // "toggle" does not bubble: heard while it goes down to the panel.
  document.addEventListener("toggle", onToggle, true);
}
