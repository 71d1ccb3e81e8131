import { describe, expect, it } from "vitest";
import type { Outcome, Phase, RunView } from "./bindings";
import { outcomeState, subscriberState } from "./subscriberState";

function run(over: Partial<RunView> & { outcome?: Outcome | null; at?: Phase }): RunView {
  return {
    runId: "r1", journeyId: "r1", profileId: "p", kind: "find", subscriberId: "s", at: { phase: "done" }, status: null,
    startedAt: "2024-01-01T00:00:00Z", triggeredAt: null, elapsedSecs: 0, rowsFetched: 0, operationsPending: null,
    operationsOthers: null, operationsMax: 0, message: "", watching: false, queued: false, done: true, outcome: null,
    warnings: [], report: null, previousReport: null, archivedReport: null, problem: null, findRule: null, ...over,
  };
}

describe("subscriber state", () => {
  it("reads a finished comparison from the run, not from DX's one status for every find", () => {
    const found = run({ outcome: { result: "mismatchesFound", rows: 1204 } });
    expect(subscriberState("FIND_MISMATCH_COMPLETED", [found]).words).toBe("Comparison finished — 1,204 mismatches");
    const verified = run({ runId: "r2", kind: "verify", startedAt: "2024-01-01T01:00:00Z", outcome: { result: "verified", remaining: 0, diff: null } });
    expect(subscriberState("FIND_MISMATCH_COMPLETED", [found, verified])).toMatchObject({ words: "In sync ✓", tone: "ok" });
    expect(subscriberState("FIND_MISMATCH_COMPLETED", []).words).toBe("Comparison finished");
  });

  it("is live while a run moves, and gives way to DX when DX moved on without this app", () => {
    const watching = run({ done: false, watching: true, at: { phase: "watching", job: "find" } });
    expect(subscriberState("FIND_MISMATCH_START", [watching]).words).toBe("Comparing…");
    const ops = run({ kind: "resync", done: false, watching: true, at: { phase: "watchingOperations" } });
    expect(subscriberState("RESYNC_TRIGGER_COMPLETED", [ops]).words).toBe("Resync started — operations running");
    const inSync = run({ outcome: { result: "inSync" } });
    expect(subscriberState("FIND_MISMATCH_START", [inSync]).words).toBe("Comparing…");
    expect(subscriberState("RESYNC_TRIGGER_COMPLETED", [inSync]).words).toBe("Resync started — operations running");
    expect(subscriberState(null, []).words).toBe("No find yet");
  });

  it("tells a stalled find (CF218 and later) from one past the 30-minute limit (older DX)", () => {
    const diagnosis = { failedWithRetries: false, operationId: null, retryCounter: null, operationStatus: null, advice: "" };
    const stalled = run({ outcome: { result: "stuck", minutes: 95, diagnosis, rule: "progress" } });
    expect(outcomeState(stalled)).toMatchObject({ words: "Comparison stalled (95 min)", tone: "bad" });
    expect(outcomeState(stalled)?.meaning).toContain("CF218");
    const old = run({ outcome: { result: "stuck", minutes: 31, diagnosis, rule: "timeLimit" } });
    expect(outcomeState(old)?.words).toBe("Comparison stuck (31 min)");
  });

  it("says a queued run waits and a failed resync's operations in counts", () => {
    expect(subscriberState(null, [run({ done: false, queued: true })]).words).toBe("Waiting for its turn");
    const failed = run({ kind: "resync", outcome: { result: "resyncDone", operationsWatched: true, operationsFailed: 3 } });
    expect(subscriberState("RESYNC_TRIGGER_COMPLETED", [failed])).toMatchObject({ words: "Resync done — 3 operations failed", tone: "bad" });
  });
});

describe("waiting for the administrator", () => {
  it("names the newest wizard that waits for a review or a verify, else nothing", async () => {
    const { waitingForUser } = await import("./subscriberState");
    const found = run({ outcome: { result: "mismatchesFound", rows: 3 } });
    expect(waitingForUser([found])).toMatchObject({ next: "waiting for your review", state: { words: "Comparison finished — 3 mismatches" } });
    const inSync = run({ runId: "r2", startedAt: "2024-01-02T00:00:00Z", outcome: { result: "inSync" } });
    expect(waitingForUser([found, inSync])).toBeNull();
    expect(waitingForUser([run({ done: false, watching: true })])).toBeNull();
  });
});
