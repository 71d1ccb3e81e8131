// Subscribers are named by their target host, everywhere: every list of subscribers read from
// DX teaches this map, which survives restarts (localStorage) so that runs, the library and the
// status bar can name a subscriber without asking the server again.

import type { SubscriberDto } from "./api";
import { shortId } from "./format";

const KEY = "dsc.subscriberHosts.v1";

function load(): Record<string, string> {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

const hosts = $state<Record<string, string>>(load());

/** Learns the hosts of subscribers just read from DX. */
export function rememberSubscribers(list: readonly Pick<SubscriberDto, "id" | "targetHost">[]): void {
  let changed = false;
  for (const s of list) {
    const host = s.targetHost?.trim();
    if (host && hosts[s.id] !== host) {
      hosts[s.id] = host;
      changed = true;
    }
  }
  if (changed) {
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(hosts));
    } catch {
      // A full or missing storage only costs the names after a restart.
    }
  }
}

/** A subscriber as people say it: its target host, or (until one is known) its short id. */
export function subscriberName(id: string | null | undefined): string {
  if (!id) return "all subscribers";
  return hosts[id] ?? shortId(id, 13);
}

/** The host, when known. */
export function subscriberHost(id: string | null | undefined): string | null {
  return id ? (hosts[id] ?? null) : null;
}
