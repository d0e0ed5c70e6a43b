// Files for the next message: chosen with the composer's file input, pasted into its field,
// or dropped anywhere on the room. They all live in the file input itself (a plain form
// field, so the post carries them exactly as it would without JavaScript) and are listed
// under it, each with a button that takes it out again.

import { focusComposer } from "./composer.js";
import { room } from "./page.js";

const fileInput = () => document.querySelector("#composer input[type=file]");
// The files each input held before a pick: the picker replaces a selection, we add to it.
const held = new WeakMap();

export function selectedFiles() {
  const input = fileInput();
  return input ? Array.from(input.files) : [];
}

export function setFiles(files) {
  const input = fileInput();
  if (!input) return;
  const transfer = new DataTransfer();
  files.forEach((file) => transfer.items.add(file));
  input.files = transfer.files;
  held.set(input, files);
  listFiles(files);
}

function addFiles(files) {
  if (files.length) setFiles([...selectedFiles(), ...files]);
}

// Sizes in the page's language and units ("12 kB"), so the script holds no words of its own.
function formatSize(bytes) {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"];
  const power = Math.min(Math.floor(Math.log10(Math.max(bytes, 1)) / 3), units.length - 1);
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "unit", unit: units[power], unitDisplay: "short", maximumFractionDigits: 1,
  });
  return format.format(bytes / 1000 ** power);
}

// Each row comes from the page's <template>: its words are the server's, in the page's
// language. The remove button is named "Remove" plus the file's name, by reference.
function listFiles(files) {
  const list = document.getElementById("selected-files");
  const template = document.getElementById("selected-file");
  if (!list || !template) return;
  list.replaceChildren(...files.map((file, index) => {
    const row = template.content.firstElementChild.cloneNode(true);
    const name = row.querySelector(".selected-file-name");
    const button = row.querySelector(".remove-file");
    name.textContent = file.name;
    name.id = `selected-file-name-${index}`;
    row.querySelector(".selected-file-size").textContent = formatSize(file.size);
    button.id = `remove-file-${index}`;
    button.dataset.index = String(index);
    button.setAttribute("aria-labelledby", `${button.id} ${name.id}`);
    return row;
  }));
  list.hidden = files.length === 0;
}

function picked(event) {
  const input = event.target;
  if (!input.matches?.("#composer input[type=file]")) return;
  setFiles([...(held.get(input) ?? []), ...input.files]);
}

function removeClicked(event) {
  const button = event.target.closest?.("#selected-files .remove-file");
  if (!button) return;
  const files = selectedFiles();
  const index = Number(button.dataset.index);
  files.splice(index, 1);
  setFiles(files);
  // Focus stays in the list (on the next file's button, else the last one) or goes back
  // to the message field: never lost to the page's start.
  const buttons = document.querySelectorAll("#selected-files .remove-file");
  const next = buttons[Math.min(index, buttons.length - 1)];
  if (next) next.focus();
  else focusComposer();
}

function pasted(event) {
  if (!event.target.closest?.("#composer") || !fileInput()) return;
  const files = Array.from(event.clipboardData?.files ?? []);
  if (!files.length) return;
  // An image alone is attached; text that came with it still pastes as text.
  if (!event.clipboardData.types.includes("text/plain")) event.preventDefault();
  addFiles(files);
}

const carriesFiles = (event) => Boolean(room()) && Array.from(event.dataTransfer?.types ?? []).includes("Files");
const onRoom = (node) => Boolean(fileInput()) && room().contains(node);

function showDropTarget(shown) {
  room()?.toggleAttribute("data-dropping", shown);
}

// Files dragged over the page never open in its place (that would leave the room and
// what was typed): over the room they are welcome, elsewhere refused.
function dragOver(event) {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  const welcome = onRoom(event.target);
  event.dataTransfer.dropEffect = welcome ? "copy" : "none";
  showDropTarget(welcome);
}

function dragLeave(event) {
  if (carriesFiles(event) && !room().contains(event.relatedTarget)) showDropTarget(false);
}

function dropped(event) {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  showDropTarget(false);
  if (!onRoom(event.target)) return;
  addFiles(Array.from(event.dataTransfer.files));
  focusComposer();
}

export function listen() {
  document.addEventListener("change", picked);
  document.addEventListener("click", removeClicked);
  document.addEventListener("paste", pasted);
  document.addEventListener("dragenter", dragOver);
  document.addEventListener("dragover", dragOver);
  document.addEventListener("dragleave", dragLeave);
  document.addEventListener("drop", dropped);
}
