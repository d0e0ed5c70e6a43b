// The topic form's field follows the topic: a change made elsewhere (rooms/fragments.py
// room_header, merged into every open page) is put in the field too, so the next edit starts
// from the topic as it is. Never while the reader is editing it: a field that has focus, or
// holds what they typed and have not set, is left alone.

function follow(topic) {
  const field = document.querySelector("#topic-edit input[name=topic]");
  if (!field || topic.dataset.topic === undefined) return;
  const editing = document.activeElement === field || field.value !== field.defaultValue;
  if (editing) return;
  // Both: the field's own "unchanged" mark (its default) moves with it.
  field.defaultValue = topic.dataset.topic;
  field.value = topic.dataset.topic;
}

export function listen() {
  htmx.onLoad((root) => {
    if (root.id === "topic") follow(root);
  });
}
