// Text posts still on their way outlive the page: a reload, or the browser discarding the
// tab, finds them in this tab's sessionStorage, and the outbox sends them again in order (a
// repeat of one that had landed stores nothing new: its one-time key). Kept per room (by
// the composer's address) until the server has answered for each. Files cannot be kept
// there: a post with files lives in the page alone.

const storageKey = (url) => `chat-outbox ${url}`;

// Storage may be full or refused (a private window, a policy): the page then just keeps
// its posts in memory, as it did before.
function read(url) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(storageKey(url)) ?? "[]");
    return Array.isArray(kept) ? kept.filter(isKeptPost) : [];
  } catch {
    return [];
  }
}

function write(url, posts) {
  try {
    if (posts.length) sessionStorage.setItem(storageKey(url), JSON.stringify(posts));
    else sessionStorage.removeItem(storageKey(url));
  } catch {
    // Not kept across a reload; still sent from this page.
  }
}

// What another script (or a hand) left there is taken only when it has this shape: a
// one-time key (a UUID), some text, and the id of the message it answers, if any.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isKeptPost = (post) =>
  UUID.test(post?.key) &&
  typeof post.body === "string" &&
  post.body.trim() !== "" &&
  /^\d*$/.test(post.replyTo);

// A post's form data: its one-time key, text and the message it answers ("" for none).
export function keep(url, data) {
  const field = (name) => String(data.get(name) ?? "");
  write(url, [...read(url), { key: field("client_key"), body: field("body"), replyTo: field("reply_to") }]);
}

export function forget(url, key) {
  write(url, read(url).filter((post) => post.key !== key));
}

// The posts kept for the room whose composer is `form`, as form data to send again.
export function keptPosts(form) {
  const token = form.querySelector("[name=csrfmiddlewaretoken]")?.value;
  if (!token) return [];
  return read(form.action).map((post) => {
    const data = new FormData();
    data.set("csrfmiddlewaretoken", token);
    data.set("client_key", post.key);
    data.set("body", post.body);
    if (post.replyTo) data.set("reply_to", post.replyTo);
    return data;
  });
}
