// The chat's htmx glue, loaded by base.html as a module: deferred, so it runs after htmx
// and its ws extension and before htmx processes the page (on DOMContentLoaded), which
// is when <body hx-ext="chat"> needs the extension defined here.
//
// Every message, whichever way it arrives (socket, catch-up, the sender's own post, "Load
// older"), goes through one `merge` swap that keeps each message once, in id order, at its
// newest revision; the lobby's rows go through the `lobby` swap.

import * as catchup from "./catchup.js";
import * as composer from "./composer.js";
import * as connection from "./connection.js";
import * as language from "./language.js";
import { mergeLobbyRows } from "./lobby.js";
import { merge } from "./merge.js";
import { numeric, room } from "./page.js";
import { confirmUpTo } from "./revisions.js";
import * as scroll from "./scroll.js";
import { localiseTimes } from "./times.js";
import * as typing from "./typing.js";

htmx.defineExtension("chat", {
  handleSwap(style, target, fragment) {
    if (style === "lobby") return mergeLobbyRows(target, fragment);
    if (style !== "merge" && style !== "merge-older") return false;
    const changed = merge(target, fragment, style === "merge-older");
    if (target.id === "typing") changed.forEach(typing.expireTyping);
    return changed;
  },
});

connection.listen();
catchup.listen();
composer.listen();
typing.listen();
scroll.listen();
language.listen();

htmx.onLoad((root) => {
  localiseTimes(root);
  if (root === document.body) {
    const current = room();
    if (current) confirmUpTo(numeric(current, "revision"));
    // A link to one message (a search hit) opens the room there; otherwise at the end.
    const linked = location.hash && document.getElementById(location.hash.slice(1));
    if (linked) linked.scrollIntoView({ block: "center" });
    else scroll.scrollToBottom();
    composer.focusComposer();
  } else if (root.closest?.("#composer")) {
    // The composer's fields were just replaced (sent, or an error to fix): keep typing.
    composer.focusComposer();
  }
});
