// The wizard's timeline: the steps a journey goes through (pre-flight → find → report → review → resync →
// operations → verify) derived from the runs of one journey. Pure: tested with Vitest.

import type { Outcome, Phase, Rule, RunKind, RunView } from "./bindings";
import { formatCount } from "./format";
import { reregisterAdvised } from "./lifecycle";
import { ruleName } from "./status";

export type StepState = "pending" | "active" | "done" | "failed" | "warn" | "skipped";
export type StepId = "preflight" | "find" | "report" | "review" | "resync" | "operations" | "verify";

export interface Step {
  id: StepId;
  label: string;
  state: StepState;
  /** What happened, in plain words. */
  detail: string;
  /** The raw DX status, when there is one. */
  raw?: string | null;
  /** What to do next, when something failed. */
  advice?: string;
  /** 0..1 for a progress bar. */
  progress?: number;
  /** The run that this step belongs to. */
  runId?: string;
  /** How the step is judged, in words (the find: the DX release's rule, saved with its run). */
  note?: string;
  /** A guided remedy to offer: `reregister` (HCL's advice after a find fails on a large amount of data). */
  remedy?: "reregister";
}

const LABELS: Record<StepId, string> = {
  preflight: "Pre-flight",
  find: "Find mismatch",
  report: "Report",
  review: "Review",
  resync: "Resync",
  operations: "Operations",
  verify: "Verify",
};

/** The newest run of a kind in a journey. */
export function latest(runs: RunView[], kind: RunKind): RunView | null {
  return newest(runs.filter((r) => r.kind === kind));
}

/** The run started last, or null. */
export function newest(runs: readonly RunView[]): RunView | null {
  let best: RunView | null = null;
  for (const r of runs) if (!best || r.startedAt > best.startedAt) best = r;
  return best;
}

type PhaseName = Phase["phase"];
type ErrorOutcome = Extract<Outcome, { result: "error" }>;

/** The timeline step a run of `kind` works on in `phase`. */
export function stepOfPhase(kind: RunKind, phase: PhaseName): StepId {
  if (kind === "verify") return "verify";
  switch (phase) {
    case "preflight":
    case "waitingForStaging":
      return kind === "find" ? "preflight" : "resync";
    case "fetchingReport":
    case "diffing":
      return "report";
    case "watchingOperations":
      return "operations";
    default:
      return kind === "find" ? "find" : "resync";
  }
}

/** The step a run that stopped on an error failed in (by the phase the run kept with its error;
 *  runs saved before it was kept: where the run got to). */
function failedStep(r: RunView, o: ErrorOutcome): StepId {
  if (o.during) return stepOfPhase(r.kind, o.during.phase);
  if (r.kind === "find") return r.report ? "report" : r.triggeredAt ? "find" : "preflight";
  return r.operationsPending === null ? "resync" : "operations";
}

/** The run's error when it stopped on one in `id`. */
function errorIn(r: RunView, id: StepId): ErrorOutcome | null {
  const o = r.outcome;
  return o?.result === "error" && failedStep(r, o) === id ? o : null;
}

const WATCH_PHASES: PhaseName[] = ["preparingTrigger", "triggering", "watching", "diagnosing"];

function idle(r: RunView): string {
  return r.watching ? "" : r.queued ? " · queued" : " · not watched: resume to look again (the job on the server goes on)";
}

function step(id: StepId, state: StepState, detail: string, extra: Partial<Step> = {}): Step {
  return { id, label: LABELS[id], state, detail, ...extra };
}

/** What to do after a safety rule refused a find. */
function refusalAdvice(rule: Rule): string {
  if (rule === "job_running") return "A find or resync started elsewhere (DXClient, another workstation or a schedule) is still running: wait until Subscribers shows it ended, then start again. Nothing was sent.";
  return "Wait until the listed sync operations on the subscriber complete or fail (Operations shows them), then check again.";
}

/** The re-register remedy, when the run's outcome calls for it. */
function remedyOf(r: RunView): Partial<Step> {
  return reregisterAdvised(r) ? { remedy: "reregister" } : {};
}

/** The find step's rule, in words, when the run kept it. */
function noteOf(r: RunView): Partial<Step> {
  return r.findRule ? { note: r.findRule } : {};
}

function findSteps(f: RunView | null): Step[] {
  if (!f) {
    return [
      step("preflight", "pending", "Checks that no staging sync operation is in progress on the subscriber."),
      step("find", "pending", "DX compares the subscriber's records with the publisher's."),
      step("report", "pending", "The mismatch logs are fetched into the report library."),
    ];
  }
  const o = f.outcome;
  const phase = f.at.phase;
  const out: Step[] = [];
  // Pre-flight
  const preflightError = errorIn(f, "preflight");
  if (phase === "preflight" && !f.done) {
    out.push(step("preflight", "active", `Checking pre-conditions${idle(f)}`, { runId: f.runId }));
  } else if (phase === "waitingForStaging" && !f.done) {
    // A routine staging cycle at work on the subscriber: waited for, then checked again.
    out.push(step("preflight", "active", `${f.message}${idle(f)}`, { advice: "Staging syncs the subscriber every few minutes (its cycle length); the find starts when this cycle's sync operations are done.", runId: f.runId }));
  } else if (o?.result === "refused") {
    out.push(step("preflight", "failed", `${ruleName(o.rule)} refused: ${o.message}`, { advice: refusalAdvice(o.rule), runId: f.runId }));
  } else if (preflightError) {
    out.push(step("preflight", "failed", preflightError.message, { runId: f.runId }));
  } else {
    const warn = f.warnings.find((w) => w.warning === "subscriberEnvUnchecked");
    out.push(step("preflight", warn ? "warn" : "done", warn?.message ?? "No staging operation in progress on the subscriber.", { runId: f.runId }));
  }
  // Find
  const findError = errorIn(f, "find");
  if (out[0].state === "failed") {
    out.push(step("find", "skipped", "Not started."));
  } else if (!f.done && (WATCH_PHASES.includes(phase) || phase === "preflight" || phase === "waitingForStaging" || phase === "archiving" || phase === "deletingLogs")) {
    const waiting = phase === "preflight" || phase === "waitingForStaging";
    out.push(step("find", waiting ? "pending" : "active", waiting ? "Waits for the pre-flight." : `${f.message}${idle(f)}`, { raw: f.status, runId: f.runId }));
  } else if (o?.result === "stuck") {
    // The diagnosis goes in the advice only (the run's message repeats it).
    const after = o.minutes < 1 ? "less than a minute" : `${formatCount(o.minutes)} min`;
    const why =
      o.rule === "progress"
        ? `Stalled: ${after} after the trigger DX still reported the find running, and none of its operations had changed for too long.`
        : `Stuck: DX still reported the find running ${after} after the trigger, past the stuck limit (HCL: 30 minutes).`;
    out.push(step("find", "failed", `${why} Watching stopped; the job on the server was not cancelled.`, { raw: f.status, advice: o.diagnosis.advice, runId: f.runId, ...remedyOf(f) }));
  } else if (o?.result === "findFailed") {
    out.push(step("find", "failed", "The find failed on the publisher.", { raw: f.status, advice: o.diagnosis.advice, runId: f.runId, ...remedyOf(f) }));
  } else if (findError) {
    out.push(step("find", "failed", findError.message, { raw: f.status, advice: "Resume the run to look again; the job on the server was not cancelled.", runId: f.runId }));
  } else {
    out.push(step("find", "done", "DX finished comparing.", { raw: f.status ?? "FIND_MISMATCH_COMPLETED", runId: f.runId }));
  }
  if (out[1].state !== "skipped") Object.assign(out[1], noteOf(f));
  // Report
  const reportError = errorIn(f, "report");
  if (out[1].state !== "done") {
    out.push(step("report", "pending", "Fetched when the find completes."));
  } else if (phase === "fetchingReport" && !f.done) {
    out.push(step("report", "active", `Fetching the mismatch logs: ${formatCount(f.rowsFetched)} so far${idle(f)}`, { runId: f.runId }));
  } else if (reportError) {
    out.push(step("report", "failed", reportError.message, { runId: f.runId }));
  } else if (f.report) {
    const n = f.report.rows;
    const mark = f.report.possiblyInaccurate ? " · may be inaccurate (fetched before FIND_MISMATCH_COMPLETED)" : "";
    const partial = f.report.possiblyPartial ?? null;
    const warn = f.report.possiblyInaccurate || partial !== null;
    const counted = n === 0 && partial === null ? `In sync ✓ — the report is empty${mark}` : `${formatCount(n)} mismatches${mark}`;
    out.push(step("report", warn ? "warn" : "done", counted, partial !== null ? { runId: f.runId, advice: `Possibly partial: ${partial}.` } : { runId: f.runId }));
  } else {
    out.push(step("report", "done", f.done ? f.message : "Find completed.", { runId: f.runId }));
  }
  return out;
}

/** The seven steps of a journey. */
export function timeline(runs: RunView[]): Step[] {
  const f = latest(runs, "find");
  const r = latest(runs, "resync");
  const v = latest(runs, "verify");
  const steps = findSteps(f);
  const rows = f?.report?.rows ?? null;
  const inSync = f?.done && (f.outcome?.result === "inSync" || rows === 0);
  // Review
  if (inSync) {
    steps.push(step("review", "done", "Nothing to review: publisher and subscriber are in sync."));
    steps.push(step("resync", "skipped", "Not needed."));
    steps.push(step("operations", "skipped", "Not needed."));
    steps.push(step("verify", "skipped", "Not needed."));
    return steps;
  }
  if (!f?.report) {
    steps.push(step("review", "pending", "Browse the report before resyncing."));
  } else if (r) {
    steps.push(step("review", "done", `Reviewed ${formatCount(f.report.rows)} mismatches.`, { runId: f.runId }));
  } else {
    steps.push(step("review", "active", `Open the report, check the ${formatCount(f.report.rows)} mismatches, then resync.`, { runId: f.runId }));
  }
  // Resync
  if (!r) {
    steps.push(step("resync", "pending", "Re-stages the mismatched records (asks for confirmation)."));
    steps.push(step("operations", "pending", "Watches the subscriber's sync operations until none is left."));
  } else {
    const o = r.outcome;
    const phase = r.at.phase;
    let resyncDone = false;
    const resyncError = errorIn(r, "resync");
    const operationsError = errorIn(r, "operations");
    if (!r.done && phase !== "watchingOperations") {
      steps.push(step("resync", "active", `${r.message}${idle(r)}`, { raw: r.status, runId: r.runId }));
    } else if (o?.result === "refused") {
      const twoWay = o.rule === "two_way_staging";
      steps.push(step("resync", "failed", `${ruleName(o.rule)} refused: ${o.message}`, {
        advice: twoWay ? "Resync is not supported with two-way staging. Resolve the drift by other means (see HCL's documentation)." : "Fix what made the sync operations fail (each one's error is in Operations), or wait: DX deletes failed operations after its clean-up interval. Then check again.",
        runId: r.runId,
      }));
    } else if (o?.result === "resyncFailed") {
      steps.push(step("resync", "failed", r.message, { raw: r.status, advice: "Check the publisher's logs, then resync again.", runId: r.runId }));
    } else if (resyncError) {
      const advice = r.triggeredAt ? "Resume or resync again." : "Check the publisher's logs, then resync again.";
      steps.push(step("resync", "failed", resyncError.message, { raw: r.status, advice, runId: r.runId }));
    } else {
      resyncDone = true;
      steps.push(step("resync", "done", "The sync operations were created (RESYNC_TRIGGER_COMPLETED).", { raw: r.status, runId: r.runId }));
    }
    if (!resyncDone) {
      steps.push(step("operations", "pending", "Watches the subscriber's sync operations until none is left."));
    } else if (!r.done) {
      const max = Math.max(r.operationsMax, r.operationsPending ?? 0);
      const pending = r.operationsPending ?? max;
      const progress = max > 0 ? (max - pending) / max : 0;
      const others = r.operationsOthers ?? 0;
      const apart = others > 0 ? ` · ${formatCount(others)} other sync operation${others === 1 ? "" : "s"} from before this resync, not counted` : "";
      steps.push(step("operations", "active", `${formatCount(pending)} sync operations of this resync not yet complete on the subscriber${apart}${idle(r)}`, { progress, runId: r.runId }));
    } else if (o?.result === "resyncDone" && !o.operationsWatched) {
      steps.push(step("operations", "warn", "Not watched: no connection to this subscriber's own environment is linked (Profiles, the publisher's form). Check its operations in DX.", { runId: r.runId }));
    } else if (o?.result === "resyncDone" && o.operationsFailed > 0) {
      steps.push(step("operations", "warn", `${formatCount(o.operationsFailed)} sync operations FAILED on the subscriber.`, { advice: "Look at the failed operations, then resync again.", progress: 1, runId: r.runId }));
    } else if (operationsError) {
      steps.push(step("operations", "failed", operationsError.message, { advice: "Resume to watch again; the operations go on on the server.", runId: r.runId }));
    } else {
      steps.push(step("operations", "done", "No sync operation left on the subscriber.", { progress: 1, runId: r.runId }));
    }
  }
  // Verify
  const vo = v?.outcome;
  if (!v) {
    steps.push(step("verify", "pending", "Archives the report, deletes the server's logs for the subscriber and finds again."));
  } else if (!v.done) {
    steps.push(step("verify", "active", `${v.message}${idle(v)}`, { raw: v.status, runId: v.runId }));
  } else if (vo?.result === "verified" && vo.remaining === 0) {
    steps.push(step("verify", "done", "In sync ✓", { runId: v.runId }));
  } else if (vo?.result === "verified") {
    const d = vo.diff;
    const diff = d ? ` (${formatCount(d.onlyBefore)} fixed, ${formatCount(d.inBoth)} still there, ${formatCount(d.onlyAfter)} new)` : "";
    steps.push(step("verify", "warn", `${formatCount(vo.remaining)} mismatches remain${diff}.`, { advice: "Compare with the previous report, then resync again.", runId: v.runId }));
  } else {
    const advice = vo?.result === "findFailed" || vo?.result === "stuck" ? vo.diagnosis.advice : undefined;
    steps.push(step("verify", "failed", v.message || "Verify failed.", { advice, runId: v.runId, ...remedyOf(v), ...noteOf(v) }));
  }
  return steps;
}

/** The step being worked on (first active, else first failed/warn, else the first pending). */
export function currentStep(steps: Step[]): Step | null {
  return steps.find((s) => s.state === "active") ?? steps.find((s) => s.state === "failed") ?? steps.find((s) => s.state === "pending") ?? null;
}

/** Seconds elapsed since the run's trigger (or start), live. */
export function elapsedSecs(r: RunView, now: number = Date.now()): number {
  const since = Date.parse(r.triggeredAt ?? r.startedAt);
  if (Number.isNaN(since)) return r.elapsedSecs;
  return Math.max(0, Math.round((now - since) / 1000));
}

/** 134 → "02:14"; 3700 → "1:01:40". */
export function clock(secs: number): string {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Journeys (find → resync → verify of one subscriber), newest first. */
export function journeys(runs: RunView[]): { id: string; subscriberId: string; runs: RunView[]; startedAt: string }[] {
  const map = new Map<string, RunView[]>();
  for (const r of runs) {
    const list = map.get(r.journeyId) ?? [];
    list.push(r);
    map.set(r.journeyId, list);
  }
  return [...map.entries()]
    .map(([id, list]) => ({
      id,
      subscriberId: list[0].subscriberId,
      runs: list,
      startedAt: list.map((r) => r.startedAt).sort()[list.length - 1],
    }))
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
