// The newest report the library holds for each subscriber: what "Open last report" opens and
// where a deletion's counts come from (the server has no count of its own mismatch logs).

import type { LibraryEntry } from "./bindings";

/** Per subscriber, its newest fetched report (archived copies and whole-publisher reports left out). */
export function latestBySubscriber(entries: readonly LibraryEntry[]): Map<string, LibraryEntry> {
  const out = new Map<string, LibraryEntry>();
  for (const e of entries) {
    if (!e.subscriberId || e.archived || !e.fetched) continue;
    const had = out.get(e.subscriberId);
    if (!had || (e.fetchedAt ?? "") > (had.fetchedAt ?? "")) out.set(e.subscriberId, e);
  }
  return out;
}
