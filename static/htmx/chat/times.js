// Times in the reader's own time zone and the page's language: a message or a lobby row
// from today shows its time only, anything else (and every tooltip) its date too.

// In the page's language (`<html lang>`), not the browser's: a Spanish page reads "1 dic".
const language = document.documentElement.lang || undefined;
const timeFormat = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });

export function localiseTimes(root) {
  const times = root.matches?.("time[datetime]") ? [root] : (root.querySelectorAll?.("time[datetime]") ?? []);
  for (const time of times) {
    const when = new Date(time.dateTime);
    if (Number.isNaN(when.getTime())) continue;
    const today = new Date().toDateString() === when.toDateString();
    time.textContent = (today && time.closest(".message, .room-row") ? timeFormat : dateTimeFormat).format(when);
    time.title = dateTimeFormat.format(when);
  }
}
