// A subscriber's lifecycle from the app, in words: the registration's cycle length, what
// deregistering stops (with counts), when a run's outcome calls for HCL's re-register remedy,
// and the question asked when a report is refused because its find has not completed
// (DXClient's rule since CF221). Pure: tested with Vitest.

import type { DeregisterPreview, ResyncStatus, RunView } from "./bindings";
import { formatCount, relativeTime } from "./format";

/** HCL's default staging cycle, minutes. */
export const DEFAULT_CYCLE_MINUTES = 2;
/** HCL's longest staging cycle: 24 hours, in minutes. */
export const MAX_CYCLE_MINUTES = 1440;

/** What the transfer credentials are and why the app cannot set them (shown as is). */
export const TRANSFER_CREDENTIALS_NOTE =
  "The credentials the publisher uses to transfer assets to the subscriber cannot go through DX's API: they live in the publisher's Kubernetes secret <release>-dam-staging, which DXClient or an operator sets. This app cannot set it; until it holds the subscriber's administrator, staging cannot transfer assets there.";

/** The cycle length typed in the dialog: minutes, or why not. Empty is HCL's default. */
export function cycleLength(text: string): { minutes: number } | { problem: string } {
  const t = text.trim();
  if (t === "") return { minutes: DEFAULT_CYCLE_MINUTES };
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CYCLE_MINUTES) {
    return { problem: `Give whole minutes from 1 to ${formatCount(MAX_CYCLE_MINUTES)} (24 hours); HCL's default is ${DEFAULT_CYCLE_MINUTES}.` };
  }
  return { minutes: n };
}

/** One thing deregistering does; `strong` for what the user may not expect. */
export interface Effect {
  id: "staging" | "logs" | "job" | "content";
  text: string;
  strong?: boolean;
}

function minutes(n: number): string {
  return `${formatCount(n)} minute${n === 1 ? "" : "s"}`;
}

/** What deregistering the subscriber of `p` stops and deletes, with counts, and what stays. */
export function deregisterEffects(p: DeregisterPreview): Effect[] {
  const s = p.subscriber;
  const host = s.targetHost?.trim() || s.id;
  const out: Effect[] = [];
  out.push({
    id: "staging",
    text:
      s.cycleLength !== null
        ? `Periodic staging to ${host} every ${minutes(s.cycleLength)} stops.`
        : `Periodic staging to ${host} stops.`,
  });
  const n = p.mismatchLogs;
  const logs = n === null ? "" : `${formatCount(n)} mismatch log${n === 1 ? "" : "s"}`;
  out.push({
    id: "logs",
    strong: n !== null && n > 0,
    text:
      n === null
        ? "Its mismatch logs on the publisher are deleted (how many could not be read)."
        : p.countedFrom === "library"
          ? `Its mismatch logs on the publisher are deleted: ${logs} in its last report${p.countedAt ? ` (fetched ${relativeTime(p.countedAt)})` : ""}; the server may hold more or fewer now.`
          : n === 0
            ? "It has no mismatch logs on the publisher now: none are deleted."
            : `Its ${logs} on the publisher are deleted.`,
  });
  out.push(
    p.jobRunning
      ? { id: "job", strong: true, text: `The ${s.resyncStatus === "RESYNC_TRIGGER_START" ? "resync" : "find"} running for it now (${s.resyncStatus}) is aborted.` }
      : { id: "job", text: "No find or resync runs for it now (one running would be aborted)." },
  );
  out.push({
    id: "content",
    text: `The subscriber's own content stays: nothing is deleted on ${host}${p.environmentName ? `, and the connection ${p.environmentName} stays` : ""}.`,
  });
  return out;
}

/**
 * Whether a find's outcome calls for HCL's re-register remedy: it failed because of the amount of
 * data (an operation FAILED with retries), or it stalled (no operation changed for too long).
 */
export function reregisterAdvised(r: Pick<RunView, "outcome"> | null | undefined): boolean {
  const o = r?.outcome;
  if (!o) return false;
  if (o.result === "findFailed") return o.diagnosis.failedWithRetries;
  if (o.result === "stuck") return o.rule === "progress" || o.diagnosis.failedWithRetries;
  return false;
}

/** The question asked when the report of `host` is refused because its find has not completed. */
export function refusalQuestion(host: string, status: ResyncStatus | null): string {
  switch (status) {
    case "FIND_MISMATCH_START":
      return `The find for ${host} has not finished (FIND_MISMATCH_START): its report is not complete. Download it anyway?`;
    case "FIND_MISMATCH_FAILED":
      return `The find for ${host} failed (FIND_MISMATCH_FAILED): its report holds only what it found before failing. Download it anyway?`;
    case null:
      return `No find has run for ${host}: there may be no report, or only old logs. Download what there is anyway?`;
    default:
      return `The status of ${host} is ${status}, not FIND_MISMATCH_COMPLETED: its report may not be accurate. Download it anyway?`;
  }
}
