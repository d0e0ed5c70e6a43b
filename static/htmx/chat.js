// The chat's htmx glue: merge message fragments by id, keep the socket alive, send on Enter.
(function () {
  "use strict";

  // htmx's ws extension reconnects by itself only after these close codes.
  const RETRIED_BY_HTMX = [1006, 1011, 1012, 1013];
  const FOLLOW_THRESHOLD_PX = 48;

  const messageId = (element) => Number(element.dataset.id);

  function isNearBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < FOLLOW_THRESHOLD_PX;
  }

  function scrollToBottom(list) {
    list.scrollTop = list.scrollHeight;
  }

  // Every path a message arrives by (socket, catch-up, the sender's own post) ends here:
  // each message is inserted once, at its place in id order, whatever came first.
  function mergeMessages(list, fragment) {
    const following = isNearBottom(list);
    const inserted = [];
    for (const incoming of Array.from(fragment.children)) {
      if (!incoming.id || document.getElementById(incoming.id)) continue;
      let next = null;
      let cursor = list.lastElementChild;
      while (cursor && messageId(cursor) > messageId(incoming)) {
        next = cursor;
        cursor = cursor.previousElementSibling;
      }
      list.insertBefore(incoming, next);
      inserted.push(incoming);
    }
    if (following && inserted.length) scrollToBottom(list);
    return inserted;
  }

  htmx.defineExtension("chat", {
    handleSwap(style, target, fragment) {
      return style === "merge" ? mergeMessages(target, fragment) : false;
    },
  });

  function roomOf(event) {
    return event.target.closest("[ws-connect]");
  }

  function showConnection(room, state) {
    room.dataset.connection = state;
    const labels = {
      open: "Connected",
      connecting: "Connecting…",
      reconnecting: "Reconnecting… messages you send are still delivered.",
      closed: "Disconnected. Reload the page to reconnect.",
    };
    room.querySelector(".connection").textContent = labels[state];
  }

  document.addEventListener("htmx:wsOpen", (event) => {
    const room = roomOf(event);
    showConnection(room, "open");
    // Whatever was posted while the page loaded or the socket was down.
    const list = room.querySelector("#messages");
    const newest = list.lastElementChild;
    const after = newest ? newest.dataset.id : 0;
    htmx.ajax("GET", `${room.dataset.messagesUrl}?after=${after}`, { source: list, swap: "none" });
  });

  document.addEventListener("htmx:wsClose", (event) => {
    const room = roomOf(event);
    const code = event.detail.event.code;
    if (code >= 4000) {
      // The server refused this socket for good (signed out, no access).
      showConnection(room, "closed");
      return;
    }
    showConnection(room, "reconnecting");
    if (!RETRIED_BY_HTMX.includes(code) && document.body.contains(room)) {
      // A clean close (server timeout, proxy restart) would otherwise end live updates.
      setTimeout(() => event.detail.socketWrapper.reconnect(), 500 + Math.random() * 1500);
    }
  });

  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!(field instanceof HTMLTextAreaElement) || !field.form || field.form.id !== "composer") return;
    event.preventDefault();
    field.form.requestSubmit();
  });

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function localiseTimes(root) {
    const times = root.matches?.("time[datetime]") ? [root] : root.querySelectorAll?.("time[datetime]") ?? [];
    for (const time of times) {
      const when = new Date(time.dateTime);
      if (Number.isNaN(when.getTime())) continue;
      const today = new Date().toDateString() === when.toDateString();
      time.textContent = (today && time.closest(".message") ? timeFormat : dateTimeFormat).format(when);
      time.title = dateTimeFormat.format(when);
    }
  }

  function focusComposer() {
    document.querySelector("#composer textarea")?.focus();
  }

  htmx.onLoad((root) => {
    localiseTimes(root);
    if (root === document.body) {
      const list = document.getElementById("messages");
      if (list) scrollToBottom(list);
      focusComposer();
    } else if (root.closest("#composer")) {
      // The composer's fields were just replaced (sent, or an error to fix): keep typing.
      focusComposer();
    }
  });
})();
