// Revisions count every change in the room (1, 2, 3 …). The page knows it holds every
// change up to `confirmed`; revisions seen beyond a gap wait in `ahead` until the gap
// fills. Broadcasts from different processes may arrive out of order, so a catch-up asks
// from `confirmed`, not from the newest revision seen. This module alone holds them.

let confirmed = 0;
const ahead = new Set();

export const confirmedRevision = () => confirmed;

export function sawRevision(revision) {
  if (revision <= confirmed) return;
  ahead.add(revision);
  while (ahead.delete(confirmed + 1)) confirmed += 1;
}

export function confirmUpTo(revision) {
  if (revision > confirmed) confirmed = revision;
  for (const seen of ahead) if (seen <= confirmed) ahead.delete(seen);
}
