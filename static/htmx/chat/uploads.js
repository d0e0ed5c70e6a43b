// A message's files on their way. A post takes the files out of the composer as it leaves
// (as composer.js does the text), shows its upload's progress with a Cancel button while
// it is in flight, and puts the files back should it fail, be refused or be cancelled:
// nothing chosen is silently dropped. Refused for rate, the post is the outbox's instead,
// which sends it again by itself (outbox.js).

import { selectedFiles, setFiles } from "./attach.js";
import { focusComposer } from "./composer.js";

// What each post in flight took from the composer, by its request: the files, and the
// file input they were in (replaced only when the server answers with an error to show).
const sending = new WeakMap();

const fromComposer = (event) => event.detail.elt?.id === "composer";
const progressBox = () => document.getElementById("upload-progress");

function takeFiles(event) {
  if (!fromComposer(event)) return;
  const input = document.querySelector("#composer input[type=file]");
  const files = selectedFiles();
  if (!input || !files.length) return;
  // htmx has read the form already: emptying it now leaves this post as it is.
  sending.set(event.detail.xhr, { files, input });
  setFiles([]);
}

function showProgress(box, fraction) {
  const bar = box.querySelector("progress");
  bar.value = Math.round(fraction * 100);
  const percent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });
  box.querySelector(".upload-percent").textContent = percent.format(fraction);
}

// Posts go one at a time (hx-sync queue), so the box shows the one that is being sent:
// only when that one carries files.
function started(event) {
  const box = fromComposer(event) && progressBox();
  if (!box) return;
  box.hidden = !sending.has(event.detail.xhr);
  if (!box.hidden) showProgress(box, 0);
}

function progressed(event) {
  const box = fromComposer(event) && progressBox();
  const { lengthComputable, loaded, total } = event.detail;
  if (box && !box.hidden && lengthComputable && total) showProgress(box, loaded / total);
}

function finished(event) {
  if (!fromComposer(event)) return;
  const box = progressBox();
  if (box) box.hidden = true;
  const sent = sending.get(event.detail.xhr);
  if (!sent) return;
  sending.delete(event.detail.xhr);
  // Stored, or refused for rate and taken over by the outbox (outbox.js), which holds the
  // files now: the answer left the composer's fields alone. Otherwise (refused, with the
  // fields re-rendered to show why; an error status; no answer; cancelled) the files come
  // back, before any chosen since.
  if (event.detail.successful && sent.input.isConnected) return;
  setFiles([...sent.files, ...selectedFiles()]);
}

function cancelClicked(event) {
  if (!event.target.closest?.("#upload-progress .cancel-upload")) return;
  const form = document.getElementById("composer");
  if (!form) return;
  // The abort is at once: the text and files are back, the button gone with the progress.
  htmx.trigger(form, "htmx:abort");
  focusComposer();
}

export function listen() {
  document.addEventListener("htmx:beforeRequest", takeFiles);
  document.addEventListener("htmx:beforeSend", started);
  document.addEventListener("htmx:xhr:progress", progressed);
  document.addEventListener("htmx:afterRequest", finished);
  document.addEventListener("click", cancelClicked);
}
