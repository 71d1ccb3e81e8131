import { describe, expect, it } from "vitest";
import { actionLabel, emptyControls, isFiltered, journalFilter, JOURNAL_ACTIONS, OUTCOMES } from "./journalView";

describe("journal view", () => {
  it("names every action and outcome in words", () => {
    expect(JOURNAL_ACTIONS).toHaveLength(10);
    expect(actionLabel("resync_triggered")).toBe("Resync triggered");
    expect(actionLabel("something_new" as never)).toBe("something_new");
    expect(OUTCOMES.refused.tone).toBe("warn");
  });

  it("sends no filter for empty controls", () => {
    const c = emptyControls();
    expect(isFiltered(c)).toBe(false);
    expect(journalFilter(c)).toEqual({ text: null, actions: [], connectionId: null, outcome: null, since: null, until: null });
  });

  it("turns local days into the bounds of those days", () => {
    const f = journalFilter({ ...emptyControls(), text: "  sub-1 ", since: "2026-11-02", until: "2026-11-03", outcome: "failed" });
    expect(f.text).toBe("sub-1");
    expect(f.outcome).toBe("failed");
    const since = new Date(f.since!);
    const until = new Date(f.until!);
    expect([since.getFullYear(), since.getMonth(), since.getDate(), since.getHours(), since.getMinutes()]).toEqual([2026, 10, 2, 0, 0]);
    expect([until.getDate(), until.getHours(), until.getMinutes(), until.getSeconds()]).toEqual([3, 23, 59, 59]);
    expect(journalFilter({ ...emptyControls(), since: "not a day" }).since).toBeNull();
    expect(isFiltered({ ...emptyControls(), until: "2026-11-03" })).toBe(true);
  });
});
