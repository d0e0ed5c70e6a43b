// The image viewer: a click on an image in a message (a plain link to the full image, which
// is what it stays without JavaScript) opens it in the page's <dialog>, with its name, its
// place among the message's images ("2 / 3"), and Previous and Next (also the arrow keys).
// Esc closes it (the dialog's own behaviour), and focus goes back to the image's link.
// Messages arrive and change live, so links are found when clicked, never bound.

const viewer = () => document.getElementById("image-viewer");

// The images of the message being viewed, the one shown, and the link that opened it.
let links = [];
let shown = 0;
let opener = null;

function show(index) {
  const dialog = viewer();
  shown = (index + links.length) % links.length;
  const link = links[shown];
  const name = link.querySelector("img")?.alt ?? "";
  const image = dialog.querySelector(".viewer-image");
  // The old image must not linger under the new name while the new one loads.
  image.removeAttribute("src");
  image.alt = name;
  image.src = link.href;
  dialog.querySelector(".viewer-name").textContent = name;
  // The counter's words are the page's ("{index} / {count}", translated).
  const counter = dialog.querySelector(".viewer-counter");
  counter.textContent = counter.dataset.format
    .replace("{index}", String(shown + 1))
    .replace("{count}", String(links.length));
  dialog.toggleAttribute("data-single", links.length < 2);
}

function open(link) {
  const message = link.closest(".message");
  links = message ? Array.from(message.querySelectorAll("a[data-viewer]")) : [link];
  opener = link;
  show(links.indexOf(link));
  viewer().showModal();
}

function clicked(event) {
  const link = event.target.closest?.("a[data-viewer]");
  if (link && viewer()) {
    // A click meant for a new tab or window, or a download, stays the browser's.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(link);
    return;
  }
  const step = event.target.closest?.("#image-viewer [data-step]");
  if (step) show(shown + Number(step.dataset.step));
  // A click on the backdrop (the dialog itself, outside its content) closes it.
  if (event.target === viewer()) viewer().close();
}

function keyPressed(event) {
  if (!event.target.closest?.("#image-viewer") || links.length < 2) return;
  const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
  if (!step) return;
  event.preventDefault();
  show(shown + step);
}

// Back to the link that opened it; or, should a live update have replaced that message
// meanwhile, to the same image's link in its new version.
function closed() {
  const back = opener?.isConnected
    ? opener
    : document.querySelector(`a[data-viewer][href="${CSS.escape(opener?.getAttribute("href") ?? "")}"]`);
  viewer().querySelector(".viewer-image").removeAttribute("src");
  links = [];
  opener = null;
  back?.focus();
}

export function listen() {
  document.addEventListener("click", clicked);
  document.addEventListener("keydown", keyPressed);
  // "close" does not bubble: it is caught on its way down to the dialog.
  document.addEventListener("close", (event) => {
    if (event.target.id === "image-viewer") closed();
  }, true);
}
