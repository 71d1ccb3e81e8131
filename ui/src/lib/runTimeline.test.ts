import { describe, expect, it } from "vitest";
import type { Outcome, Phase, RunView } from "./bindings";
import { clock, currentStep, elapsedSecs, journeys, timeline } from "./runTimeline";

const DONE: Phase = { phase: "done" };

function run(p: Partial<RunView>): RunView {
  return {
    runId: "r1", journeyId: "j1", profileId: "p", kind: "find", subscriberId: "s1", at: { phase: "preflight" },
    status: null, startedAt: "2024-01-01T00:00:00Z", triggeredAt: null, elapsedSecs: 0, rowsFetched: 0,
    operationsPending: null, operationsOthers: null, operationsMax: 0, message: "", watching: true, queued: false, done: false, outcome: null,
    warnings: [], report: null, previousReport: null, archivedReport: null, problem: null, findRule: null, ...p,
  };
}


const states = (runs: RunView[]) => timeline(runs).map((s) => `${s.id}:${s.state}`);

describe("timeline", () => {
  it("starts with pre-flight active", () => {
    expect(states([run({})])).toEqual([
      "preflight:active", "find:pending", "report:pending", "review:pending", "resync:pending", "operations:pending", "verify:pending",
    ]);
  });

  it("shows the watched find with its DX status", () => {
    const s = timeline([run({ at: { phase: "watching", job: "find" }, status: "FIND_MISMATCH_START", message: "waiting: FIND_MISMATCH_START", triggeredAt: "2024-01-01T00:00:01Z" })]);
    expect(s[1]).toMatchObject({ id: "find", state: "active", raw: "FIND_MISMATCH_START" });
    expect(currentStep(s)?.id).toBe("find");
  });

  it("explains a refused pre-flight and a stuck find", () => {
    const refused = run({ done: true, at: DONE, outcome: { result: "refused", rule: "preflight_find", message: "2 staging sync operation(s) are still in progress: syncStagingMediaContent 1 (PROCESSING)" } });
    const s = timeline([refused]);
    expect(s[0].state).toBe("failed");
    expect(s[0].detail).toContain("syncStagingMediaContent");
    const stuck = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", message: "still running", outcome: { result: "stuck", minutes: 31, diagnosis: { failedWithRetries: true, operationId: "o", retryCounter: 2, operationStatus: "FAILED", advice: "deregister and register the subscriber again" } } });
    const t = timeline([stuck]);
    expect(t[1].state).toBe("failed");
    expect(t[1].advice).toContain("deregister");
  });

  it("shows a find waiting for a routine staging cycle, and a job running elsewhere", () => {
    const waiting = timeline([run({ at: { phase: "waitingForStaging" }, message: "waiting for the routine staging cycle on the subscriber: 3 sync operations in progress" })]);
    expect(waiting[0]).toMatchObject({ id: "preflight", state: "active" });
    expect(waiting[0].detail).toContain("3 sync operations in progress");
    expect(waiting[0].advice).toContain("cycle");
    expect(waiting[1]).toMatchObject({ id: "find", state: "pending" });
    const elsewhere = timeline([run({ done: true, at: DONE, outcome: { result: "refused", rule: "job_running", message: "a resync is already running for subscriber s1 (RESYNC_TRIGGER_START)" } })]);
    expect(elsewhere[0].state).toBe("failed");
    expect(elsewhere[0].detail).toContain("The running-job check refused");
    expect(elsewhere[0].advice).toContain("started elsewhere");
    expect(elsewhere[1].state).toBe("skipped");
  });

  it("says which find rule applied and offers re-registering after a data-volume failure or a stall", () => {
    const diagnosis = (failedWithRetries: boolean) => ({ failedWithRetries, operationId: null, retryCounter: null, operationStatus: null, advice: "HCL's remedies: deregister the subscriber and register it again" });
    const rule = "DX CF218 or later: the find is judged by its operations' progress (stalled after 20 min without any change)";
    const watching = timeline([run({ at: { phase: "watching", job: "find" }, status: "FIND_MISMATCH_START", findRule: rule })]);
    expect(watching[1].note).toBe(rule);
    const failed = (outcome: Outcome) => timeline([run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", outcome, findRule: rule })])[1];
    expect(failed({ result: "findFailed", diagnosis: diagnosis(true) })).toMatchObject({ state: "failed", remedy: "reregister" });
    expect(failed({ result: "findFailed", diagnosis: diagnosis(false) }).remedy).toBeUndefined();
    const stalled = failed({ result: "stuck", minutes: 95, diagnosis: diagnosis(false), rule: "progress" });
    expect(stalled).toMatchObject({ state: "failed", remedy: "reregister" });
    expect(stalled.detail).toContain("Stalled");
    expect(stalled.detail).not.toContain("30 minutes");
    const old = failed({ result: "stuck", minutes: 31, diagnosis: diagnosis(false), rule: "timeLimit" });
    expect(old.detail).toContain("HCL: 30 minutes");
    expect(old.remedy).toBeUndefined();
    // A verify whose find failed on the amount of data offers it too.
    const report = { path: "/r.csv", rows: 12, possiblyInaccurate: false, statusAtFetch: null, possiblyPartial: null, summary: null };
    const f = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", report, outcome: { result: "mismatchesFound", rows: 12 } });
    const v = run({ runId: "r3", kind: "verify", startedAt: "2024-01-01T00:05:00Z", done: true, at: DONE, outcome: { result: "findFailed", diagnosis: diagnosis(true) }, findRule: rule });
    expect(timeline([f, v])[6]).toMatchObject({ id: "verify", state: "failed", remedy: "reregister", note: rule });
  });

  it("ends at review when mismatches were found, and skips the rest when in sync", () => {
    const report = { path: "/r.csv", rows: 12, possiblyInaccurate: false, statusAtFetch: "FIND_MISMATCH_COMPLETED", possiblyPartial: null, summary: null };
    const found = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", report, outcome: { result: "mismatchesFound", rows: 12 } });
    expect(states([found]).slice(0, 5)).toEqual(["preflight:done", "find:done", "report:done", "review:active", "resync:pending"]);
    const empty = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", report: { ...report, rows: 0 }, outcome: { result: "inSync" } });
    expect(states([empty]).slice(3)).toEqual(["review:done", "resync:skipped", "operations:skipped", "verify:skipped"]);
    const inaccurate = run({ ...found, report: { ...report, possiblyInaccurate: true } });
    const partial = timeline([run({ ...found, report: { ...report, rows: 0, possiblyPartial: "the report may be partial: it does not explain the record counts" } })]);
    expect(partial[2]).toMatchObject({ id: "report", state: "warn" });
    expect(partial[2].detail).not.toContain("In sync");
    expect(partial[2].advice).toContain("Possibly partial");
    expect(timeline([inaccurate])[2]).toMatchObject({ state: "warn" });
  });

  it("follows resync operations and verify to in sync", () => {
    const report = { path: "/r.csv", rows: 12, possiblyInaccurate: false, statusAtFetch: null, possiblyPartial: null, summary: null };
    const f = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", report, outcome: { result: "mismatchesFound", rows: 12 } });
    const r = run({ runId: "r2", kind: "resync", startedAt: "2024-01-01T00:01:00Z", at: { phase: "watchingOperations" }, triggeredAt: "2024-01-01T00:01:01Z", operationsPending: 3, operationsMax: 12 });
    const s = timeline([f, r]);
    expect(s[4].state).toBe("done");
    expect(s[5]).toMatchObject({ id: "operations", state: "active" });
    expect(s[5].progress).toBeCloseTo(0.75);
    expect(s[5].detail).not.toContain("other");
    const withOthers = timeline([f, { ...r, operationsOthers: 2 }]);
    expect(withOthers[5].detail).toContain("2 other sync operations from before this resync, not counted");
    const rDone = { ...r, done: true, at: DONE, operationsPending: 0, outcome: { result: "resyncDone", operationsWatched: true, operationsFailed: 0 } as Outcome };
    const v = run({ runId: "r3", kind: "verify", startedAt: "2024-01-01T00:02:00Z", done: true, at: DONE, outcome: { result: "verified", remaining: 0, diff: null } });
    expect(states([f, rDone, v]).slice(3)).toEqual(["review:done", "resync:done", "operations:done", "verify:done"]);
    const twoWay = { ...r, done: true, at: DONE, outcome: { result: "refused", rule: "two_way_staging", message: "two-way staging" } as Outcome };
    expect(timeline([f, twoWay])[4]).toMatchObject({ state: "failed" });
    const failedOps = { ...rDone, outcome: { result: "resyncDone", operationsWatched: true, operationsFailed: 2 } as Outcome };
    expect(timeline([f, failedOps])[5]).toMatchObject({ state: "warn" });
  });

  it("puts an error on the step of the phase the run failed in, not by its wording", () => {
    const error = (during: Phase | null, extra: Partial<RunView> = {}) =>
      run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", message: "boom", outcome: { result: "error", code: "timeout", message: "boom", during }, ...extra });
    expect(states([error({ phase: "preflight" })]).slice(0, 2)).toEqual(["preflight:failed", "find:skipped"]);
    expect(states([error({ phase: "watching", job: "find" })]).slice(0, 3)).toEqual(["preflight:done", "find:failed", "report:pending"]);
    expect(states([error({ phase: "fetchingReport" })]).slice(0, 3)).toEqual(["preflight:done", "find:done", "report:failed"]);
    const report = { path: "/r.csv", rows: 12, possiblyInaccurate: false, statusAtFetch: null, possiblyPartial: null, summary: null };
    const f = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", report, outcome: { result: "mismatchesFound", rows: 12 } });
    const r = (during: Phase) => error(during, { runId: "r2", kind: "resync", startedAt: "2024-01-01T00:01:00Z" });
    expect(states([f, r({ phase: "triggering", job: "resync" })]).slice(4, 6)).toEqual(["resync:failed", "operations:pending"]);
    expect(states([f, r({ phase: "watchingOperations" })]).slice(4, 6)).toEqual(["resync:done", "operations:failed"]);
    // A warning is found by its kind; its text is the core's.
    const unchecked = run({ done: true, at: DONE, triggeredAt: "2024-01-01T00:00:01Z", report, outcome: { result: "mismatchesFound", rows: 12 },
      warnings: [{ warning: "subscriberEnvUnchecked", message: "Could not check the subscriber environment" }] });
    expect(timeline([unchecked])[0]).toMatchObject({ state: "warn", detail: "Could not check the subscriber environment" });
  });

  it("groups journeys and formats time", () => {
    const a = run({ runId: "a", journeyId: "a", startedAt: "2024-01-01T00:00:00Z" });
    const b = run({ runId: "b", journeyId: "a", kind: "resync", startedAt: "2024-01-02T00:00:00Z" });
    const c = run({ runId: "c", journeyId: "c", startedAt: "2024-01-01T12:00:00Z" });
    expect(journeys([a, b, c]).map((j) => j.id)).toEqual(["a", "c"]);
    expect(clock(134)).toBe("02:14");
    expect(clock(3700)).toBe("1:01:40");
    expect(elapsedSecs(run({ triggeredAt: "2024-01-01T00:00:10Z" }), Date.parse("2024-01-01T00:01:10Z"))).toBe(60);
  });
});
