// How the outbox shows its posts: above the composer, for their author only, each with its
// text (and its files' names) and "sending…", until the server has answered for it.

const list = () => document.getElementById("outbox");

export function pendingItem(text, files) {
  const item = document.createElement("li");
  item.className = "outbox-item";
  const body = document.createElement("span");
  body.className = "outbox-body";
  body.textContent = text;
  item.append(body);
  if (files.length) {
    const names = document.createElement("span");
    names.className = "outbox-files";
    names.textContent = files.map((file) => file.name).join(", ");
    item.append(" ", names);
  }
  const state = document.createElement("span");
  state.className = "outbox-state";
  state.textContent = list().dataset.sending;
  item.append(" ", state);
  list().append(item);
  list().hidden = false;
  return item;
}

// An upload's progress, after "sending…", in the page's language ("sending… 40%").
export function showProgress(item, fraction) {
  const percent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });
  item.querySelector(".outbox-state").textContent = `${list().dataset.sending} ${percent.format(fraction)}`;
}

export function settled(item) {
  item.remove();
  const shown = list();
  if (shown && !shown.children.length) shown.hidden = true;
}

// Refused for what it is (too long, say): the text (and files) go back to the composer if
// it is empty, with the server's own error; otherwise the post stays listed with that error.
// (`attach` is attach.js, passed in by outbox.js: importing it here would lengthen the
// chain of imports that collectstatic must rewrite, past its passes.)
export function refused(post, html, attach) {
  const answer = document.createElement("template");
  answer.innerHTML = html;
  const error = answer.content.getElementById("composer-error");
  const field = document.querySelector("#composer textarea");
  if (field && !field.value && !attach.selectedFiles().length) {
    field.value = post.text;
    if (post.files.length) attach.setFiles(post.files);
    if (error) field.closest(".composer-row").before(error);
    settled(post.item);
    field.focus();
  } else {
    post.item.querySelector(".outbox-state").textContent = error?.textContent ?? "";
  }
}
