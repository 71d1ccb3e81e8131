// The Fleet screen's pure logic: states in words, counts in words, which finds a "check" queues
// (one publisher at a time, in the screen's order), and the drift chart's series.
// No Svelte, no Tauri: tested with Vitest.

import type { DriftPoint, FindBatch, FleetOverview, FleetState, FleetSubscriber, RecordAction, Schedule } from "./bindings";
import { formatCount } from "./format";
import type { Tone } from "./status";

/** A state in words, its tone and what it means. */
export const FLEET_STATES: Record<FleetState, { words: string; tone: Tone; meaning: string }> = {
  inSync: { words: "In sync", tone: "ok", meaning: "The last find, recent and complete, found no mismatch" },
  drifted: { words: "Drifted", tone: "bad", meaning: "The last find, recent, found mismatches" },
  unknown: { words: "Unknown", tone: "neutral", meaning: "No find yet, or the last one failed or may be partial" },
  stale: { words: "Stale", tone: "warn", meaning: "The last find is older than the chosen age" },
};

/** Counts by action in words: "8 UPDATE · 1,200 CREATE". */
export function byActionText(pairs: readonly (readonly [RecordAction, number])[]): string {
  return pairs.filter(([, n]) => n > 0).map(([a, n]) => `${formatCount(n)} ${a}`).join(" · ");
}

/** A subscriber's key on the screen (selection): publisher and subscriber ids. */
export function rowKey(profileId: string, subscriberId: string): string {
  return `${profileId}\u0001${subscriberId}`;
}

/** Whether a "check stale" includes this subscriber: stale, or unknown (no usable find). */
export function needsCheck(s: FleetSubscriber): boolean {
  return s.assessment.state === "stale" || s.assessment.state === "unknown";
}

/**
 * The finds to queue, one batch per publisher in the screen's order, subscribers in row order:
 * the selected rows (`keys`), or, with `keys` null, every subscriber needing a check. A
 * publisher whose subscribers could not be listed still gets its known rows.
 */
export function findBatches(o: FleetOverview, keys: ReadonlySet<string> | null): FindBatch[] {
  const out: FindBatch[] = [];
  for (const p of o.publishers) {
    const ids = p.subscribers
      .filter((s) => (keys ? keys.has(rowKey(p.profileId, s.subscriberId)) : needsCheck(s)))
      .map((s) => s.subscriberId);
    if (ids.length > 0) out.push({ profileId: p.profileId, subscriberIds: ids });
  }
  return out;
}

/** How many subscribers of the overview are in each state. */
export function stateCounts(o: FleetOverview): Record<FleetState, number> {
  const counts: Record<FleetState, number> = { inSync: 0, drifted: 0, unknown: 0, stale: 0 };
  for (const p of o.publishers) for (const s of p.subscribers) counts[s.assessment.state] += 1;
  return counts;
}

/** What the drift chart stacks: record actions or record types. */
export type StackBy = "action" | "type";

/** One stacked series of the chart. */
export interface Series {
  label: string;
  data: number[];
}

const ACTION_ORDER: readonly string[] = ["CREATE", "UPDATE", "DELETE"] satisfies RecordAction[];

/**
 * The chart's series: one per action (CREATE, UPDATE, DELETE, then any other) or per type (by
 * total, largest first), a value per report (0 where the report has none).
 */
export function driftSeries(points: readonly DriftPoint[], by: StackBy): Series[] {
  const totals = new Map<string, number>();
  for (const p of points) for (const [k, n] of by === "action" ? p.byAction : p.byType) totals.set(k, (totals.get(k) ?? 0) + n);
  const keys = [...totals.keys()].sort((a, b) => {
    if (by === "action") {
      const ia = ACTION_ORDER.indexOf(a), ib = ACTION_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    }
    return (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b);
  });
  return keys.map((k) => ({
    label: k,
    data: points.map((p) => (by === "action" ? p.byAction : p.byType).find(([x]) => x === k)?.[1] ?? 0),
  }));
}

/** A colour per series: actions keep their meaning (CREATE green, UPDATE blue, DELETE red). */
export function seriesColour(label: string, index: number): string {
  const fixed: Record<string, string> = { CREATE: "#2e8b47", UPDATE: "#2f6fc0", DELETE: "#c0392b" };
  const palette = ["#2f6fc0", "#e08a1e", "#2e8b47", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d35400", "#2c3e50", "#b7950b"];
  return fixed[label] ?? palette[index % palette.length]!;
}

/** Consecutive pairs of reports, newest first: what changed from one find to the next. */
export function consecutivePairs(points: readonly DriftPoint[]): { before: DriftPoint; after: DriftPoint; delta: number }[] {
  const out: { before: DriftPoint; after: DriftPoint; delta: number }[] = [];
  for (let i = points.length - 1; i > 0; i--) {
    const before = points[i - 1]!, after = points[i]!;
    out.push({ before, after, delta: after.total - before.total });
  }
  return out;
}

/** What the schedule editor holds. */
export interface ScheduleDraft {
  kind: "off" | "daily" | "every";
  /** `HH:MM` for a daily check. */
  time: string;
  minutes: number;
}

/** The editor's draft for a publisher's schedule (none: off, daily at 02:00 suggested). */
export function scheduleDraft(s: Schedule | null | undefined): ScheduleDraft {
  if (!s) return { kind: "off", time: "02:00", minutes: 60 };
  if (s.kind === "daily") return { kind: "daily", time: `${String(s.hour).padStart(2, "0")}:${String(s.minute).padStart(2, "0")}`, minutes: 60 };
  return { kind: "every", time: "02:00", minutes: s.minutes };
}

/** The schedule a draft stands for (`null`: off), or a message naming what is wrong. */
export function scheduleOf(d: ScheduleDraft): { schedule: Schedule | null } | { problem: string } {
  if (d.kind === "off") return { schedule: null };
  if (d.kind === "daily") {
    const m = /^(\d{1,2}):(\d{2})$/.exec(d.time.trim());
    const hour = m ? Number(m[1]) : NaN, minute = m ? Number(m[2]) : NaN;
    if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) return { problem: "Give the time as HH:MM, 00:00 to 23:59." };
    return { schedule: { kind: "daily", hour, minute } };
  }
  const minutes = Math.round(Number(d.minutes));
  if (!(minutes >= 1 && minutes <= 10080)) return { problem: "Give a period from 1 minute to 10,080 minutes (a week)." };
  return { schedule: { kind: "every", minutes } };
}
