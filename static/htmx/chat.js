// The chat's htmx glue. Every message, whichever way it arrives (socket, catch-up, the
// sender's own post, "Load older"), goes through one `merge` swap that keeps each
// message once, in id order, at its newest revision.
(function () {
  "use strict";

  // htmx's ws extension reconnects by itself only after these close codes.
  const RETRIED_BY_HTMX = [1006, 1011, 1012, 1013];
  const FOLLOW_THRESHOLD_PX = 48;
  const TYPING_SEND_INTERVAL_MS = 2000;
  const TYPING_SHOWN_MS = 5000;

  // Back off 0.5 s, 1 s, 2 s … up to 10 s, with jitter: a restarted server is back in
  // seconds, and a thousand pages must not all return in the same millisecond.
  htmx.config.wsReconnectDelay = (retries) =>
    Math.min(500 * 2 ** retries, 10000) * (0.5 + Math.random() / 2);

  const room = () => document.querySelector(".room");
  // The page's live element: the room, or the lobby.
  const live = () => document.querySelector("[ws-connect]");
  const scroller = () => document.querySelector(".scroller");
  const numeric = (element, name) => Number(element.dataset[name]);

  function isNearBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < FOLLOW_THRESHOLD_PX;
  }

  function scrollToBottom() {
    const box = scroller();
    if (box) box.scrollTop = box.scrollHeight;
    document.getElementById("jump-to-latest")?.setAttribute("hidden", "");
  }

  // Revisions count every change in the room (1, 2, 3 …). The page knows it holds every
  // change up to `confirmed`; revisions seen beyond a gap wait in `ahead` until the gap
  // fills. Broadcasts from different processes may arrive out of order, so a catch-up
  // asks from `confirmed`, not from the newest revision seen.
  const revisions = { confirmed: 0, ahead: new Set() };

  function sawRevision(revision) {
    if (revision <= revisions.confirmed) return;
    revisions.ahead.add(revision);
    while (revisions.ahead.delete(revisions.confirmed + 1)) revisions.confirmed += 1;
  }

  function confirmUpTo(revision) {
    if (revision > revisions.confirmed) revisions.confirmed = revision;
    for (const seen of revisions.ahead) if (seen <= revisions.confirmed) revisions.ahead.delete(seen);
  }

  // Insert each incoming element once: replace an older revision of it, ignore a copy,
  // and place new messages in id order. Live updates about messages older than the
  // oldest one shown are dropped (they belong to history not loaded), unless the
  // fragment is history itself (`olderToo`).
  function merge(list, fragment, olderToo) {
    const box = scroller();
    const following = box && isNearBottom(box);
    const anchor = box && !following ? firstVisible(list, box) : null;
    const anchorTop = anchor?.getBoundingClientRect().top;
    // Only a page with older history still to load has such a boundary: one that holds the
    // room from its start takes everything (a page that began empty and posted while
    // disconnected must still get the messages others posted before its own).
    const oldestShown = document.querySelector("#older a") ? list.querySelector("[data-id]") : null;
    const changed = [];
    let newArrived = false;

    for (const incoming of Array.from(fragment.children)) {
      if (incoming.dataset.revision) sawRevision(numeric(incoming, "revision"));
      const existing = incoming.id ? document.getElementById(incoming.id) : null;
      if (existing) {
        if (isStale(incoming, existing)) continue;
        existing.replaceWith(incoming);
      } else if (incoming.dataset.id) {
        if (!olderToo && oldestShown && numeric(incoming, "id") < numeric(oldestShown, "id")) continue;
        insertInIdOrder(list, incoming);
        newArrived = true;
      } else {
        list.append(incoming);
      }
      changed.push(incoming);
      if (incoming.dataset.author) document.getElementById(`typing-${incoming.dataset.author}`)?.remove();
    }

    if (following) scrollToBottom();
    else if (anchor) box.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    if (newArrived && !following && !olderToo) document.getElementById("jump-to-latest")?.removeAttribute("hidden");
    if (newArrived && !olderToo) markReadSoon();
    return changed;
  }

  // Messages carry the room revision of their last change; presence a version of its own.
  function isStale(incoming, existing) {
    for (const name of ["revision", "version"]) {
      if (incoming.dataset[name]) return numeric(incoming, name) <= numeric(existing, name);
    }
    return false;
  }

  function insertInIdOrder(list, incoming) {
    let next = null;
    let cursor = list.lastElementChild;
    while (cursor && numeric(cursor, "id") > numeric(incoming, "id")) {
      next = cursor;
      cursor = cursor.previousElementSibling;
    }
    list.insertBefore(incoming, next);
  }

  function firstVisible(list, box) {
    const top = box.getBoundingClientRect().top;
    for (const child of list.children) if (child.getBoundingClientRect().bottom > top) return child;
    return null;
  }

  // "Load older" changes everything above the reader: the control and the messages. Keep
  // the first message in view where it was across the whole swap.
  let keptPlace = null;

  document.addEventListener("htmx:beforeSwap", (event) => {
    const box = scroller();
    if (!box || !event.detail.requestConfig?.elt?.closest?.("#older")) return;
    const anchor = firstVisible(document.getElementById("messages"), box);
    keptPlace = anchor && { anchor, top: anchor.getBoundingClientRect().top };
  });

  document.addEventListener("htmx:afterSwap", () => {
    if (!keptPlace) return;
    scroller().scrollTop += keptPlace.anchor.getBoundingClientRect().top - keptPlace.top;
    keptPlace = null;
  });

  function expireTyping(line) {
    setTimeout(() => line.remove(), TYPING_SHOWN_MS);
  }

  htmx.defineExtension("chat", {
    handleSwap(style, target, fragment) {
      if (style === "lobby") return mergeLobbyRows(target, fragment);
      if (style !== "merge" && style !== "merge-older") return false;
      const changed = merge(target, fragment, style === "merge-older");
      if (target.id === "typing") changed.forEach(expireTyping);
      return changed;
    },
  });

  // The connection -------------------------------------------------------------------

  function showConnection(state) {
    const labels = {
      open: "Connected",
      connecting: "Connecting…",
      reconnecting: "Reconnecting… messages you send are still delivered.",
      closed: "Disconnected. Reload the page to reconnect.",
    };
    const current = live();
    current.dataset.connection = state;
    const status = current.querySelector(".connection");
    if (status) status.textContent = labels[state];
  }

  // The socket wrapper of the ws extension while open, and the raw socket it wraps.
  let socket = null;
  let rawSocket = null;
  let reconnectTimer = null;
  // A close code of our own, when the browser goes offline: reconnect once back online.
  const CLOSED_OFFLINE = 3001;

  const createWebSocket = htmx.createWebSocket;
  htmx.createWebSocket = (url) => (rawSocket = createWebSocket(url));

  function reconnectSoon(wrapper, delay) {
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      if (live()) wrapper.reconnect();
    }, delay);
  }

  let lastWrapper = null;
  let lastCloseCode = null;

  // Whatever changed while the page loaded or its socket was down.
  function resync() {
    const current = live();
    if (current?.dataset.refreshUrl) {
      // The lobby: its counts are the viewer's own, so ask for the list anew.
      htmx
        .ajax("GET", current.dataset.refreshUrl, { source: current, target: "#room-list", swap: "lobby" })
        .catch(retryResync);
    } else if (current?.dataset.messagesUrl) {
      catchUp();
    }
  }

  // A fetch that failed (the server restarting under us) is tried again while the socket
  // stays open; a socket that closes meanwhile resyncs when it reopens anyway.
  function retryResync() {
    setTimeout(() => {
      if (live()?.dataset.connection === "open") resync();
    }, 2000);
  }

  function catchUp() {
    const current = room();
    const list = document.getElementById("messages");
    const newest = list.querySelector("[data-id]:last-child");
    const after = newest ? newest.dataset.id : 0;
    const url = `${current.dataset.messagesUrl}?after=${after}&since=${revisions.confirmed}`;
    htmx.ajax("GET", url, { source: list, swap: "none" }).catch(retryResync);
  }

  document.addEventListener("chat:caught-up", (event) => {
    if (event.detail.more) catchUp();
    else confirmUpTo(event.detail.revision);
  });

  document.addEventListener("htmx:wsOpen", (event) => {
    socket = lastWrapper = event.detail.socketWrapper;
    const current = live();
    current.dataset.connects = String(Number(current.dataset.connects || 0) + 1);
    showConnection("open");
    resync();
  });

  document.addEventListener("htmx:wsClose", (event) => {
    socket = null;
    lastWrapper = event.detail.socketWrapper;
    const code = (lastCloseCode = event.detail.event.code);
    if (code >= 4000) {
      // The server refused this socket for good (signed out, no access).
      showConnection("closed");
      return;
    }
    showConnection("reconnecting");
    if (code !== CLOSED_OFFLINE && !RETRIED_BY_HTMX.includes(code)) {
      // A clean close (server timeout, proxy restart) would otherwise end live updates.
      reconnectSoon(lastWrapper, 500 + Math.random() * 1500);
    }
  });

  // Offline, the socket is as good as dead even while it looks open: close it, and open a
  // new one (which catches up) as soon as the network is back.
  window.addEventListener("offline", () => {
    if (rawSocket && rawSocket.readyState <= WebSocket.OPEN) rawSocket.close(CLOSED_OFFLINE);
  });
  window.addEventListener("online", () => {
    // Only after our own offline close: after any other, a retry is already scheduled.
    if (!socket && lastCloseCode === CLOSED_OFFLINE) reconnectSoon(lastWrapper, 0);
  });
  // Back from a hidden tab (or a sleeping laptop): check nothing was missed meanwhile.
  let wasHidden = false;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      wasHidden = true;
      return;
    }
    if (!wasHidden || live()?.dataset.connection !== "open") return;
    wasHidden = false;
    resync();
    markReadSoon();
  });

  // Read markers -------------------------------------------------------------------------

  // What the reader has seen in this room: told to the server (for the lobby's unread
  // counts) a moment after messages arrive while the page is in view.
  let readTimer = null;
  function markReadSoon() {
    const current = room();
    if (!current?.dataset.readUrl || current.dataset.connection === "history" || readTimer) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      const newest = document.querySelector("#messages > [data-id]:last-child");
      if (!newest || document.visibilityState !== "visible") return;
      htmx
        .ajax("POST", current.dataset.readUrl, {
          source: document.getElementById("messages"),
          values: { up_to: newest.dataset.id },
          swap: "none",
        })
        // Lost with the server or the network: the next marker covers it.
        .catch(() => {});
    }, 1000);
  }

  // The lobby ------------------------------------------------------------------------------

  // A room's row arrives with its latest message; the counts are this viewer's own, kept
  // on the row the page rendered and counted up here. Rows fetched from the server when
  // the socket (re)opens carry the viewer's counts already, and replace older rows only.
  function mergeLobbyRows(list, fragment) {
    const me = document.body.dataset;
    const changed = [];
    for (const row of Array.from(fragment.children)) {
      if (!row.id) continue;
      const existing = document.getElementById(row.id);
      const live = row.dataset.unread === undefined;
      if (existing) {
        const newer = numeric(row, "lastId") - numeric(existing, "lastId");
        // A live row must bring a newer message; a fetched one must not be older.
        if (live ? newer <= 0 : newer < 0) continue;
      }
      if (live) countOn(row, existing?.dataset, me);
      existing?.remove();
      list.querySelector(":scope > .quiet")?.remove();
      list.append(row);
      changed.push(row);
    }
    // Message ids only grow, so the newest message first is the most recent activity first.
    const rows = Array.from(list.children).filter((row) => row.dataset.lastId !== undefined);
    rows.sort((a, b) => numeric(b, "lastId") - numeric(a, "lastId")).forEach((row) => list.append(row));
    return changed;
  }

  function countOn(row, state, me) {
    state = state ?? { lastRead: "", unread: "0", unreadMentions: "0" };
    let unread = Number(state.unread);
    let mentions = Number(state.unreadMentions);
    const joined = state.lastRead !== "";
    if (joined && row.dataset.author !== me.userId && numeric(row, "lastId") > Number(state.lastRead)) {
      unread += 1;
      if (row.dataset.mentions.split(" ").includes(me.username)) mentions += 1;
    }
    row.dataset.lastRead = state.lastRead;
    row.dataset.unread = unread;
    row.dataset.unreadMentions = mentions;
    showCount(row.querySelector(".unread"), unread, "");
    showCount(row.querySelector(".unread-mentions"), mentions, "@");
  }

  function showCount(badge, count, prefix) {
    badge.dataset.count = count;
    badge.firstChild.textContent = `${prefix}${count}`;
  }

  // Typing -----------------------------------------------------------------------------

  let lastTypingSent = 0;
  document.addEventListener("input", (event) => {
    if (!event.target.closest?.("#composer") || !socket) return;
    const now = Date.now();
    if (now - lastTypingSent < TYPING_SEND_INTERVAL_MS) return;
    lastTypingSent = now;
    socket.sendImmediately(JSON.stringify({ type: "typing" }));
  });

  // The composer ------------------------------------------------------------------------

  // A post leaves with what was typed; the field empties at once and takes a new one-time
  // key, so the next message can be typed (and queued) while this one is on its way.
  // Should the post fail outright, what was typed comes back.
  let unsent = "";

  function newClientKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    if (form.id !== "composer") return;
    const field = form.querySelector("textarea");
    unsent = field.value;
    field.value = "";
    form.querySelector("[name=client_key]").value = newClientKey();
    // A new attempt: the last one's error, if any, no longer applies.
    document.getElementById("composer-error")?.remove();
    lastTypingSent = 0;
  });

  function restoreUnsent(event) {
    const field = event.detail.elt.id === "composer" && event.detail.elt.querySelector("textarea");
    if (field && !field.value) field.value = unsent;
  }
  document.addEventListener("htmx:sendError", restoreUnsent);
  document.addEventListener("htmx:responseError", restoreUnsent);

  // Keyboard and scrolling ---------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (!(field instanceof HTMLTextAreaElement) || !field.form?.hasAttribute("data-enter-submits")) return;
    event.preventDefault();
    field.form.requestSubmit();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest?.("#jump-to-latest")) scrollToBottom();
  });

  document.addEventListener(
    "scroll",
    (event) => {
      if (event.target === scroller() && isNearBottom(event.target)) {
        document.getElementById("jump-to-latest")?.setAttribute("hidden", "");
      }
    },
    true,
  );

  // Per-page touches ---------------------------------------------------------------------

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function localiseTimes(root) {
    const times = root.matches?.("time[datetime]") ? [root] : (root.querySelectorAll?.("time[datetime]") ?? []);
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
      const current = room();
      if (current) confirmUpTo(numeric(current, "revision"));
      // A link to one message (a search hit) opens the room there; otherwise at the end.
      const linked = location.hash && document.getElementById(location.hash.slice(1));
      if (linked) linked.scrollIntoView({ block: "center" });
      else scrollToBottom();
      focusComposer();
    } else if (root.closest?.("#composer")) {
      // The composer's fields were just replaced (sent, or an error to fix): keep typing.
      focusComposer();
    }
  });
})();
