import { describe, expect, it } from "vitest";
import type { DeregisterPreview, Diagnosis, Outcome } from "./bindings";
import { subscriberFixture } from "./fixtures";
import { cycleLength, deregisterEffects, refusalQuestion, reregisterAdvised } from "./lifecycle";

function preview(over: Partial<DeregisterPreview> = {}): DeregisterPreview {
  return {
    subscriber: { ...subscriberFixture("render-blue.example.com"), cycleLength: 2 },
    mismatchLogs: 1204,
    countedFrom: "server",
    countedAt: null,
    jobRunning: false,
    environmentName: "Render blue",
    environmentProfileId: "env-blue",
    ...over,
  };
}

const diagnosis = (failedWithRetries: boolean): Diagnosis => ({ failedWithRetries, operationId: null, retryCounter: null, operationStatus: null, advice: "" });

describe("subscriber lifecycle", () => {
  it("reads the cycle length: HCL's default when empty, 1 to 1,440 minutes", () => {
    expect(cycleLength("")).toEqual({ minutes: 2 });
    expect(cycleLength(" 60 ")).toEqual({ minutes: 60 });
    expect(cycleLength("1440")).toEqual({ minutes: 1440 });
    for (const bad of ["0", "1441", "2.5", "two"]) expect(cycleLength(bad)).toHaveProperty("problem");
  });

  it("says what deregistering stops, with counts, and what stays", () => {
    const lines = deregisterEffects(preview());
    expect(lines.map((l) => l.id)).toEqual(["staging", "logs", "job", "content"]);
    expect(lines[0].text).toBe("Periodic staging to render-blue.example.com every 2 minutes stops.");
    expect(lines[1]).toMatchObject({ text: "Its 1,204 mismatch logs on the publisher are deleted.", strong: true });
    expect(lines[2].text).toContain("No find or resync runs");
    expect(lines[3].text).toContain("own content stays");
    expect(lines[3].text).toContain("Render blue");
    const running = deregisterEffects(preview({ jobRunning: true, subscriber: { ...subscriberFixture("h"), resyncStatus: "FIND_MISMATCH_START", cycleLength: 1 } }));
    expect(running[0].text).toContain("every 1 minute stops");
    expect(running[2]).toMatchObject({ strong: true, text: "The find running for it now (FIND_MISMATCH_START) is aborted." });
    expect(deregisterEffects(preview({ mismatchLogs: null, countedFrom: null }))[1].text).toContain("could not be read");
    expect(deregisterEffects(preview({ mismatchLogs: 0 }))[1].text).toContain("none are deleted");
    expect(deregisterEffects(preview({ countedFrom: "library", mismatchLogs: 7 }))[1].text).toContain("7 mismatch logs in its last report");
  });

  it("advises re-registering after a find that failed on the amount of data, or stalled", () => {
    const run = (outcome: Outcome | null) => ({ outcome });
    expect(reregisterAdvised(run({ result: "findFailed", diagnosis: diagnosis(true) }))).toBe(true);
    expect(reregisterAdvised(run({ result: "findFailed", diagnosis: diagnosis(false) }))).toBe(false);
    expect(reregisterAdvised(run({ result: "stuck", minutes: 45, diagnosis: diagnosis(false), rule: "progress" }))).toBe(true);
    expect(reregisterAdvised(run({ result: "stuck", minutes: 31, diagnosis: diagnosis(false), rule: "timeLimit" }))).toBe(false);
    expect(reregisterAdvised(run({ result: "inSync" }))).toBe(false);
    expect(reregisterAdvised(run(null))).toBe(false);
    expect(reregisterAdvised(null)).toBe(false);
  });

  it("asks in words before downloading the report of a find that has not completed", () => {
    expect(refusalQuestion("render-eu", "FIND_MISMATCH_START")).toBe(
      "The find for render-eu has not finished (FIND_MISMATCH_START): its report is not complete. Download it anyway?",
    );
    expect(refusalQuestion("render-eu", "FIND_MISMATCH_FAILED")).toContain("failed (FIND_MISMATCH_FAILED)");
    expect(refusalQuestion("render-eu", null)).toContain("No find has run for render-eu");
    expect(refusalQuestion("render-eu", "RESYNC_TRIGGER_START")).toContain("not FIND_MISMATCH_COMPLETED");
  });
});
