// The composer's length counter. The textarea has no maxlength (browsers cut pasted text at
// it without a word); its data-max-length is the server's limit. From 90% of it a counter
// shows "9 950 / 10 000"; over it, Send is refused here with the server's own words (both
// texts come rendered into the page, so they are translated) and the text stays as typed.

const SHOWN_FROM = 0.9;

function parts(form) {
  const field = form?.querySelector("textarea[data-max-length]");
  const counter = document.getElementById("composer-counter");
  return field && counter ? { field, counter, limit: Number(field.dataset.maxLength) } : null;
}

const count = (text) => Array.from(text.trim()).length;

function update(form) {
  const found = parts(form);
  if (!found) return;
  const { field, counter, limit } = found;
  const length = count(field.value);
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined);
  counter.hidden = length < limit * SHOWN_FROM;
  counter.textContent = `${number.format(length)} / ${number.format(limit)}`;
  counter.classList.toggle("over", length > limit);
}

// True (and the server's error shown) when the composer's text is over the limit.
export function refuseTooLong(form) {
  const found = parts(form);
  if (!found || count(found.field.value) <= found.limit) return false;
  const { field, counter, limit } = found;
  document.getElementById("composer-error")?.remove();
  const error = document.createElement("p");
  error.className = "error";
  error.id = "composer-error";
  error.setAttribute("role", "alert");
  error.textContent = counter.dataset.tooLong
    .replace("%(limit_value)d", limit)
    .replace("%(show_value)d", count(field.value));
  field.closest(".composer-row").before(error);
  return true;
}

function onInput(event) {
  if (event.target.closest?.("#composer")) update(event.target.form);
}

// The fields swapped back with an error: the counter follows the text they hold.
function onSwap(event) {
  if (event.detail.target?.id === "composer") update(event.detail.target);
}

function onConfirm(event) {
  const form = event.detail.elt;
  if (form?.id === "composer" && refuseTooLong(form)) event.preventDefault();
}

export function listen() {
  document.addEventListener("input", onInput);
  document.addEventListener("htmx:afterSwap", onSwap);
  document.addEventListener("htmx:confirm", onConfirm);
}
