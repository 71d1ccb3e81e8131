// The Journal screen's pure logic: the actions and outcomes in words, the filter the screen
// sends, and a day's bounds for the date fields. No Svelte, no Tauri: tested with Vitest.

import type { AnswerOutcome, JournalAction, JournalFilter } from "./bindings";
import type { Tone } from "./status";

/** Every action, as the filter's chips show them (in the order of the Rust enum). */
export const JOURNAL_ACTIONS: { id: JournalAction; label: string }[] = [
  { id: "find_triggered", label: "Find triggered" },
  { id: "resync_triggered", label: "Resync triggered" },
  { id: "mismatch_data_deleted", label: "Mismatch data deleted" },
  { id: "report_exported", label: "Report exported" },
  { id: "profile_created", label: "Connection added" },
  { id: "profile_changed", label: "Connection changed" },
  { id: "profile_deleted", label: "Connection deleted" },
  { id: "schedule_run", label: "Scheduled check" },
  { id: "subscriber_registered", label: "Subscriber registered" },
  { id: "subscriber_deregistered", label: "Subscriber deregistered" },
];

const ACTION_LABELS: Record<JournalAction, string> = Object.fromEntries(JOURNAL_ACTIONS.map((a) => [a.id, a.label])) as Record<JournalAction, string>;

/** An action in words (a value from a newer journal shows as it is). */
export function actionLabel(a: JournalAction): string {
  return ACTION_LABELS[a] ?? a;
}

/** Every outcome, in words, with its tone. */
export const OUTCOMES: Record<AnswerOutcome, { words: string; tone: Tone; meaning: string }> = {
  accepted: { words: "Accepted", tone: "ok", meaning: "DX accepted the request and carries it out" },
  done: { words: "Done", tone: "ok", meaning: "It was done" },
  refused: { words: "Refused", tone: "warn", meaning: "DX or a rule of this app said no: nothing was done" },
  failed: { words: "Failed", tone: "bad", meaning: "It failed: DX could not be reached, answered an error, or a local step failed" },
};

/** What the screen's controls hold. */
export interface JournalControls {
  text: string;
  actions: JournalAction[];
  connectionId: string;
  outcome: AnswerOutcome | "";
  /** `YYYY-MM-DD` from a date field, or empty. */
  since: string;
  until: string;
}

export function emptyControls(): JournalControls {
  return { text: "", actions: [], connectionId: "", outcome: "", since: "", until: "" };
}

/**
 * The filter Rust applies for these controls. Dates are local days: "since" from the start of
 * that day, "until" to its end, both sent as UTC instants.
 */
export function journalFilter(c: JournalControls): JournalFilter {
  const day = (d: string, end: boolean): string | null => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
    if (!m) return null;
    const t = end
      ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999)
      : new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 0, 0, 0, 0);
    return t.toISOString();
  };
  return {
    text: c.text.trim() === "" ? null : c.text.trim(),
    actions: [...c.actions],
    connectionId: c.connectionId === "" ? null : c.connectionId,
    outcome: c.outcome === "" ? null : c.outcome,
    since: day(c.since, false),
    until: day(c.until, true),
  };
}

/** Whether the controls filter anything. */
export function isFiltered(c: JournalControls): boolean {
  return c.text.trim() !== "" || c.actions.length > 0 || c.connectionId !== "" || c.outcome !== "" || c.since !== "" || c.until !== "";
}
