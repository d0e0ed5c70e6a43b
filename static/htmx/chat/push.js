// Web push on this device, from the settings page's "Push notifications" section
// (templates/push/settings.html): "Enable push on this device" registers the service worker
// at the site's root, subscribes with the site's VAPID public key and sends the subscription
// to the server, whose answer is the updated list of devices. Removing one is a plain form.

const section = () => document.getElementById("push");

function say(text) {
  const status = document.getElementById("push-status");
  if (status) status.textContent = text;
}

// The VAPID public key (base64url) as the bytes PushManager.subscribe takes.
function keyBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (character) => character.charCodeAt(0));
}

// The page's CSRF token, as htmx sends it (base.html's hx-headers).
const csrfToken = () => JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];

const supported = () => "serviceWorker" in navigator && "PushManager" in window;

async function send(subscription) {
  const { dataset } = section();
  const response = await fetch(dataset.subscriptionsUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(subscription.toJSON()),
    credentials: "same-origin",
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text);
  const devices = document.getElementById("push-devices");
  if (devices) devices.outerHTML = text;
}

async function enable() {
  const { dataset } = section();
  if (!supported()) return say(dataset.unsupported);
  try {
    await navigator.serviceWorker.register(dataset.serviceWorker, { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    if ((await Notification.requestPermission()) !== "granted") return say(dataset.denied);
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(dataset.vapidPublicKey),
    });
    await send(subscription);
    say(dataset.enabled);
  } catch (error) {
    say(`${dataset.failed} ${error.message}`);
  }
}

// A device already subscribed tells the server again: its push service may have renewed
// the subscription, or its row may have been removed while the browser kept it.
async function resend() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription && Notification.permission === "granted") await send(subscription);
}

export function listen() {
  const current = section();
  if (!current?.dataset.vapidPublicKey) return;
  const button = document.getElementById("push-enable");
  if (button && supported()) button.hidden = false;
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("#push-enable")) enable();
  });
  if (supported()) resend().catch(() => {}); // best-effort: "Enable" says what goes wrong
}
