// DX statuses in plain words, with the colour of their badge. The raw DX value always stays
// visible next to the words.

import type { OperationStatus, Rule } from "./bindings";

export type Tone = "neutral" | "busy" | "ok" | "warn" | "bad";

export interface StatusInfo {
  words: string;
  meaning: string;
  tone: Tone;
}

const RESYNC: Record<string, StatusInfo> = {
  FIND_MISMATCH_START: {
    words: "Comparing…",
    meaning: "A find staging mismatch job is running on the publisher: it compares this subscriber's records with the publisher's.",
    tone: "busy",
  },
  FIND_MISMATCH_COMPLETED: {
    words: "Comparison finished",
    meaning: "The find job finished; the mismatch report for this subscriber is complete and can be fetched.",
    tone: "neutral",
  },
  FIND_MISMATCH_FAILED: {
    words: "Comparison failed",
    meaning: "The find job failed. Check the findStagingMismatch operation; a job stuck over 30 minutes may need the subscriber to be deregistered and registered again.",
    tone: "bad",
  },
  RESYNC_TRIGGER_START: {
    words: "Starting resync…",
    meaning: "The publisher is creating the sync operations that re-stage the mismatched records.",
    tone: "busy",
  },
  RESYNC_TRIGGER_COMPLETED: {
    words: "Resync started — operations running",
    meaning: "The sync operations were created on the subscriber; they are not necessarily done yet. Watch the subscriber's operations.",
    tone: "ok",
  },
  RESYNC_TRIGGER_FAILED: {
    words: "Starting resync failed",
    meaning: "The resync trigger failed; no sync operations were created. Check the publisher's logs and try again.",
    tone: "bad",
  },
};

/** Words, meaning and tone of a subscriber's `resyncStatus`. */
export function resyncInfo(status: string | null | undefined): StatusInfo {
  if (!status) {
    return { words: "No find yet", meaning: "No find mismatch or resync has run for this subscriber.", tone: "neutral" };
  }
  return RESYNC[status] ?? { words: "Unknown status", meaning: `DX reported ${status}, which this version does not know.`, tone: "warn" };
}

const SYNC_TONES: Record<string, Tone> = {
  SUCCESS: "ok", SYNCED: "ok", COMPLETED: "ok", IDLE: "ok", OK: "ok",
  FAILED: "bad", ERROR: "bad",
  PROCESSING: "busy", IN_PROGRESS: "busy", RUNNING: "busy", SYNCING: "busy",
};

/** Tone of a subscriber's `syncStatus` (free text in DX's schema). */
export function syncTone(status: string | null | undefined): Tone {
  if (!status) return "neutral";
  return SYNC_TONES[status.toUpperCase()] ?? "warn";
}

/** Every documented operation status. */
export const OPERATION_STATUSES: readonly OperationStatus[] = ["TODO", "PROCESSING", "SUCCESS", "ABORT", "FAILED", "READ", "RETRY", "WAIT", "PENDING"];

const OPERATION: Record<string, StatusInfo> = {
  TODO: { words: "Queued", meaning: "Waiting to be picked up.", tone: "neutral" },
  PROCESSING: { words: "Running", meaning: "Being processed now.", tone: "busy" },
  SUCCESS: { words: "Done", meaning: "Succeeded; not yet cleaned up (still counts as not complete).", tone: "ok" },
  ABORT: { words: "Aborted", meaning: "Stopped before finishing.", tone: "warn" },
  FAILED: { words: "Failed", meaning: "Failed; see its error details.", tone: "bad" },
  READ: { words: "Picked up", meaning: "Read by a worker, about to run.", tone: "busy" },
  RETRY: { words: "Retrying", meaning: "Failed once and will be retried.", tone: "warn" },
  WAIT: { words: "Waiting", meaning: "Waiting for something else to finish.", tone: "neutral" },
  PENDING: { words: "Pending", meaning: "Accepted, not yet queued.", tone: "neutral" },
};

/** Words, meaning and tone of an operation's status. */
export function operationInfo(status: string): StatusInfo {
  return OPERATION[status] ?? { words: "Unknown status", meaning: `DX reported ${status}, which this version does not know.`, tone: "warn" };
}

const RULES: Record<Rule, string> = {
  preflight_find: "The find pre-flight",
  preflight_resync: "The resync pre-flight",
  two_way_staging: "The two-way staging guard",
  archive_incomplete: "The archive check",
  job_running: "The running-job check",
  find_not_complete: "The report download rule (since CF221)",
};

/** The name of a safety rule that refused a run, as a sentence's subject. */
export function ruleName(rule: Rule): string {
  return RULES[rule] ?? "A safety rule";
}
