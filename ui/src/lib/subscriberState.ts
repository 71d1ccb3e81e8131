// One status vocabulary for a subscriber, the same on every screen: what DX's `resyncStatus`
// says, read together with what this app's runs of that subscriber know (their outcome, their
// live phase). Runs arrive by the `run-progress` event, so every screen using this is live.

import type { ResyncStatus, RunView } from "./bindings";
import { formatCount } from "./format";
import { newest } from "./runTimeline";
import { resyncInfo, type StatusInfo } from "./status";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** What a run that has not ended is doing, in the shared words. */
function live(r: RunView): StatusInfo | null {
  if (r.done) return null;
  if (r.queued) return { words: "Waiting for its turn", meaning: "Another run of this publisher goes first: DX runs one at a time.", tone: "neutral" };
  if (!r.watching) return { words: "Not watched", meaning: "The run stopped being watched before it ended; resume it in Runs.", tone: "warn" };
  const at = r.at;
  switch (at.phase) {
    case "watching":
      return at.job === "find"
        ? { words: "Comparing…", meaning: "A find staging mismatch job is running on the publisher.", tone: "busy" }
        : { words: "Starting resync…", meaning: "The publisher is creating the sync operations.", tone: "busy" };
    case "watchingOperations":
      return { words: "Resync started — operations running", meaning: "The sync operations were created on the subscriber and are not all done yet.", tone: "busy" };
    case "fetchingReport":
      return { words: "Comparison finished — fetching the report", meaning: "DX finished the find; the app is reading the mismatch logs.", tone: "busy" };
    default:
      return { words: "Preparing…", meaning: "Pre-flight checks and the trigger.", tone: "busy" };
  }
}

/** How a run ended, in the shared words. */
export function outcomeState(r: RunView): StatusInfo | null {
  const o = r.outcome;
  if (!o) return null;
  switch (o.result) {
    case "inSync":
      return { words: "In sync ✓", meaning: "The last comparison found no mismatch.", tone: "ok" };
    case "mismatchesFound":
      return { words: `Comparison finished — ${plural(o.rows, "mismatch", "mismatches")}`, meaning: "The report lists what differs; review it, then resync.", tone: "warn" };
    case "findCompleted":
      return { words: "Comparison finished", meaning: "DX finished the find; the report was not fetched.", tone: "neutral" };
    case "verified":
      return o.remaining === 0
        ? { words: "In sync ✓", meaning: "Verify found no mismatch after the resync.", tone: "ok" }
        : { words: `Verified — ${plural(o.remaining, "mismatch", "mismatches")} remain`, meaning: "Some records still differ after the resync.", tone: "warn" };
    case "resyncDone":
      return o.operationsFailed > 0
        ? { words: `Resync done — ${plural(o.operationsFailed, "operation")} failed`, meaning: "Some sync operations failed on the subscriber; see Operations.", tone: "bad" }
        : { words: "Resync done — verify to confirm", meaning: "The sync operations finished; a verify compares again.", tone: "ok" };
    case "resyncFailed":
      return { words: "Resync failed", meaning: "The resync trigger failed; no operations were created.", tone: "bad" };
    case "findFailed":
      return { words: "Comparison failed", meaning: "The find job failed on the publisher.", tone: "bad" };
    case "stuck":
      return o.rule === "progress"
        ? { words: `Comparison stalled (${o.minutes} min)`, meaning: "None of the find's operations changed for the stall limit (DX CF218 or later).", tone: "bad" }
        : { words: `Comparison stuck (${o.minutes} min)`, meaning: "The find stayed running past the 30-minute limit (DX before CF218).", tone: "bad" };
    case "refused":
      return { words: "Refused by a safety check", meaning: o.message, tone: "bad" };
    case "error":
      return { words: "Stopped on an error", meaning: o.message, tone: "bad" };
  }
}

/** Which DX status a run's own kind ends in (to tell whether DX moved on since the run). */
function sameJob(status: ResyncStatus, r: RunView): boolean {
  const find = status.startsWith("FIND_");
  return r.kind === "resync" ? !find : find;
}

/**
 * A subscriber's state: its newest run (live or ended) when DX's status still belongs to that
 * run's job, else DX's status in the same words. `runs` are this subscriber's, any order.
 */
export function subscriberState(status: ResyncStatus | null | undefined, runs: readonly RunView[]): StatusInfo {
  const last = newest(runs);
  if (last) {
    const running = live(last);
    if (running) return running;
    const busyOnServer = status === "FIND_MISMATCH_START" || status === "RESYNC_TRIGGER_START";
    if (!busyOnServer && (!status || sameJob(status, last))) {
      const ended = outcomeState(last);
      if (ended) return ended;
    }
  }
  return resyncInfo(status);
}

/**
 * The newest wizard whose run ended where the administrator acts next (mismatches to review and
 * resync, a resync to verify), or null. `runs` of one profile, any order.
 */
export function waitingForUser(runs: readonly RunView[]): { run: RunView; state: StatusInfo; next: string } | null {
  const last = newest(runs);
  if (!last?.done || !last.outcome) return null;
  const state = outcomeState(last);
  if (!state) return null;
  const o = last.outcome;
  if (o.result === "mismatchesFound" || (o.result === "verified" && o.remaining > 0)) return { run: last, state, next: "waiting for your review" };
  if (o.result === "resyncDone") return { run: last, state, next: "verify when the operations are done" };
  return null;
}
