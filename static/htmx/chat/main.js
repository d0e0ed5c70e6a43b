// The chat's htmx glue, loaded by base.html as a module: deferred, so it runs after htmx
// and its ws extension and before htmx processes the page (on DOMContentLoaded), which
// is when <body hx-ext="chat"> needs the extension defined here.
//
// Every message, whichever way it arrives (socket, catch-up, the sender's own post, "Load
// older"), goes through one `merge` swap that keeps each message once, in id order, at its
// newest revision; the lobby's rows go through the `lobby` swap.

import * as attach from "./attach.js";
import * as catchup from "./catchup.js";
import * as composer from "./composer.js";
import * as connection from "./connection.js";
import * as counter from "./counter.js";
import * as dividers from "./dividers.js";
import * as language from "./language.js";
import * as links from "./links.js";
import * as mentions from "./mentions.js";
import * as notify from "./notify.js";
import { mergeLobbyRows } from "./lobby.js";
import { merge } from "./merge.js";
import * as outbox from "./outbox.js";
import { numeric, room } from "./page.js";
import * as pins from "./pins.js";
import * as push from "./push.js";
import * as reactions from "./reactions.js";
import * as replies from "./replies.js";
import { confirmUpTo } from "./revisions.js";
import * as scroll from "./scroll.js";
import * as tab from "./tab.js";
import { localiseTimes } from "./times.js";
import * as topic from "./topic.js";
import * as typing from "./typing.js";
import * as uploads from "./uploads.js";
import * as viewer from "./viewer.js";
import * as visibility from "./visibility.js";

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
outbox.listen();
counter.listen();
mentions.listen();
typing.listen();
scroll.listen();
language.listen();
reactions.listen();
links.listen();
replies.listen();
pins.listen();
attach.listen();
uploads.listen();
viewer.listen();
topic.listen();
notify.listen();
tab.listen();
visibility.listen();
push.listen();

htmx.onLoad((root) => {
  localiseTimes(root);
  pins.keepPanelOpen(root);
  if (root === document.body) {
    const current = room();
    if (current) confirmUpTo(numeric(current, "revision"));
    dividers.arrive();
    // A link to one message (a search hit) opens the room there; otherwise at the end, or
    // at the "New" divider when the unread messages are more than fit.
    const linked = location.hash && document.getElementById(location.hash.slice(1));
    if (linked) linked.scrollIntoView({ block: "center" });
    else scroll.scrollToFirstUnread();
    composer.focusComposer();
  } else if (root.parentElement?.id === "messages") {
    // A message swapped in place (an edit form, or the message back): its group may change.
    dividers.layoutSoon();
  } else if (root.closest?.("#composer")) {
    // The composer's fields were just replaced (sent, or an error to fix): keep typing.
    composer.focusComposer();
  }
});
