import { describe, expect, it } from "vitest";
import { OPERATION_STATUSES, operationInfo, resyncInfo, syncTone } from "./status";

describe("statuses", () => {
  it("explains every documented resyncStatus with a tone", () => {
    expect(resyncInfo("FIND_MISMATCH_START")).toMatchObject({ tone: "busy", words: "Comparing…" });
    expect(resyncInfo("FIND_MISMATCH_FAILED").tone).toBe("bad");
    expect(resyncInfo("RESYNC_TRIGGER_COMPLETED").meaning).toMatch(/not necessarily done/);
    expect(resyncInfo(null).tone).toBe("neutral");
  });
  it("keeps unknown values visible instead of failing", () => {
    const info = resyncInfo("FIND_MISMATCH_PAUSED");
    expect(info.tone).toBe("warn");
    expect(info.meaning).toContain("FIND_MISMATCH_PAUSED");
    expect(operationInfo("PAUSED").meaning).toContain("PAUSED");
  });
  it("knows the nine operation statuses", () => {
    expect(OPERATION_STATUSES).toHaveLength(9);
    for (const s of OPERATION_STATUSES) expect(operationInfo(s).words).not.toBe("Unknown status");
    expect(syncTone("failed")).toBe("bad");
    expect(syncTone(undefined)).toBe("neutral");
  });
});
