// Times in the reader's own time zone and language: a message from today shows its time
// only, anything else (and every tooltip) its date too.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function localiseTimes(root) {
  const times = root.matches?.("time[datetime]") ? [root] : (root.querySelectorAll?.("time[datetime]") ?? []);
  for (const time of times) {
    const when = new Date(time.dateTime);
    if (Number.isNaN(when.getTime())) continue;
    const today = new Date().toDateString() === when.toDateString();
    time.textContent = (today && time.closest(".message") ? timeFormat : dateTimeFormat).format(when);
    time.title = dateTimeFormat.format(when);
  }
}
