// Desktop notifications (the Notification API): a button turns them on, since the page
// never asks for the permission on its own; while the tab is hidden, a message that
// qualifies under the viewer's level raises one, whose click shows that message.

import { currentLabel, titleFormat } from "./levels.js";

const EXCERPT_LENGTH = 140;

const button = () => document.getElementById("desktop-notifications");
const available = () => "Notification" in window;

// Shown only while there is something to ask: granted or denied, the browser has answered.
function showButton() {
  const control = button();
  if (control) control.hidden = !available() || Notification.permission !== "default";
}

async function ask() {
  if (!available()) return;
  await Notification.requestPermission();
  showButton();
}

export function listen() {
  showButton();
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("#desktop-notifications")) ask();
  });
}

// Plain text from the fragment (its body, never markup), trimmed to an excerpt.
function excerpt(message) {
  const text = (message.querySelector(".body")?.textContent ?? "").replace(/\s+/g, " ").trim();
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH - 1)}…` : text;
}

export function notifyOf(message) {
  if (!available() || Notification.permission !== "granted") return;
  const author = message.querySelector(".author")?.textContent.trim() ?? "";
  const title = titleFormat().replace("{author}", author).replace("{room}", currentLabel());
  const id = message.dataset.id;
  const notification = new Notification(title, {
    body: excerpt(message),
    tag: `message-${id}`,
    data: { id, url: `${location.pathname}#message-${id}` },
  });
  notification.onclick = () => {
    window.focus();
    showMessage(id);
    notification.close();
  };
}

// The message highlighted (:target) in the middle of the view, as a message link opens it.
function showMessage(id) {
  const target = document.getElementById(`message-${id}`);
  if (!target) return;
  location.hash = `message-${id}`;
  target.scrollIntoView({ block: "center" });
}
