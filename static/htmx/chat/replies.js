// Replying. "Reply" swaps the quote of the message answered into the composer (htmx; a
// plain link to the room with it there without JavaScript); "Cancel reply" empties it,
// and so does a post that went through, since the reply has been sent.

// The quote is taken away: cancelled, or sent with the post that carried it.
export function clearReply() {
  const reply = document.getElementById("composer-reply");
  if (reply) reply.replaceChildren();
}

function onClick(event) {
  if (!event.target.closest?.(".cancel-reply")) return;
  event.preventDefault();
  clearReply();
  document.querySelector("#composer textarea")?.focus();
}

function onAfterRequest(event) {
  if (event.detail.elt?.id === "composer" && event.detail.successful) clearReply();
}

// The quote just swapped in: the reader goes on typing the reply.
function onAfterSwap(event) {
  if (event.detail.target?.id === "composer-reply" || event.detail.elt?.id === "composer-reply") {
    document.querySelector("#composer textarea")?.focus();
  }
}

export function listen() {
  document.addEventListener("click", onClick);
  document.addEventListener("htmx:afterRequest", onAfterRequest);
  document.addEventListener("htmx:afterSwap", onAfterSwap);
}
