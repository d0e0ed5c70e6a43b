// Links to messages. "Copy link" is the message's link (the room opened around it): without
// JavaScript the reader copies it from the context menu; here it goes to the clipboard and
// the page says so. A quote's link (a reply's) opens the original in place when it is
// already on the page, highlighted as a link to it would be; otherwise the link is followed,
// and the room opens around the original.

function announce(text) {
  const status = document.getElementById("link-status");
  if (!status) return;
  // Emptied first, so the same words said twice are announced twice.
  status.textContent = "";
  requestAnimationFrame(() => (status.textContent = text));
}

function copyLink(event, link) {
  if (!navigator.clipboard) return; // not a secure context: the link is followed instead
  event.preventDefault();
  const status = document.getElementById("link-status");
  navigator.clipboard.writeText(link.href).then(
    () => announce(status?.dataset.copied ?? ""),
    () => (location.href = link.href),
  );
}

function openQuoted(event, quote) {
  const original = document.getElementById(`message-${quote.dataset.replyTo}`);
  if (!original) return; // not on the page: the room opens around it
  event.preventDefault();
  // The hash makes it the :target, highlighted as a followed link to it is.
  history.pushState(null, "", `#${original.id}`);
  original.scrollIntoView({ block: "center" });
  document.querySelectorAll(".message.quoted").forEach((shown) => shown.classList.remove("quoted"));
  original.classList.add("quoted");
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
  const copy = event.target.closest?.("[data-copy-link]");
  if (copy) return copyLink(event, copy);
  const quote = event.target.closest?.(".reply-quote[data-reply-to]");
  if (quote) openQuoted(event, quote);
}

export function listen() {
  document.addEventListener("click", onClick);
}
