// What the resync confirmation says before anything is sent: the plan in counts (from the
// find's report), and whether DX's documented pre-flight will refuse (FAILED `sync*` operations
// on the subscriber environment), with what the administrator can do about it.

import type { OperationDto, SummaryDto } from "./bindings";
import { formatCount } from "./format";
import { resyncPlan } from "./reportView";

export interface ResyncPlan {
  /** Type × action rows, DELETEs first. */
  rows: { action: string; type: string; count: number }[];
  /** Records the resync re-stages. */
  total: number;
  /** Of which deletions on the subscriber. */
  deletions: number;
}

/** The plan of a report's counts; `null` counts (an older run) give the row total only. */
export function planOf(summary: SummaryDto | null, rows: number): ResyncPlan {
  if (!summary) return { rows: [], total: rows, deletions: 0 };
  const plan = resyncPlan(summary);
  return {
    rows: plan,
    total: plan.reduce((n, p) => n + p.count, 0),
    deletions: plan.filter((p) => p.action === "DELETE").reduce((n, p) => n + p.count, 0),
  };
}

/** "Resync 156 records — 4 deletions on the subscriber". */
export function planHeadline(p: ResyncPlan): string {
  const records = `Resync ${formatCount(p.total)} record${p.total === 1 ? "" : "s"}`;
  if (p.deletions === 0) return records;
  return `${records} — ${formatCount(p.deletions)} deletion${p.deletions === 1 ? "" : "s"} on the subscriber`;
}

/** What the subscriber environment's operations say about the resync. */
export type PreflightView =
  | { state: "checking" }
  | { state: "clear" }
  /** No linked subscriber environment: nothing can be checked (the run says so too). */
  | { state: "unchecked"; why: string }
  | { state: "refused"; failed: OperationDto[]; reason: string };

/** The pre-flight as the run will see it: FAILED `sync*` operations refuse the resync. */
export function preflightOf(failed: OperationDto[], host: string, total: number = failed.length): PreflightView {
  // `failed` is the first page (a few to show); `total` counts them all.
  const n = Math.max(total, failed.length);
  if (n === 0) return { state: "clear" };
  return {
    state: "refused",
    failed,
    reason: `${formatCount(n)} FAILED sync operation${n === 1 ? "" : "s"} on ${host}: DX's pre-flight refuses the resync until ${n === 1 ? "it is" : "they are"} gone.`,
  };
}
