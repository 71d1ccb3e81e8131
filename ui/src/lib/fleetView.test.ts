import { describe, expect, it } from "vitest";
import type { DriftPoint, FleetOverview, FleetState, FleetSubscriber, RecordAction, RecordType } from "./bindings";
import { byActionText, consecutivePairs, driftSeries, findBatches, rowKey, scheduleDraft, scheduleOf, seriesColour, stateCounts } from "./fleetView";

const sub = (id: string, state: FleetState): FleetSubscriber => ({
  subscriberId: id,
  host: `${id}.example.com`,
  facts: { lastFind: null, lastResync: null, lastVerify: null, driftSince: null },
  assessment: { state, reason: "", since: null },
  environment: null,
});

const overview: FleetOverview = {
  at: "2026-12-01T00:00:00Z",
  staleAfterDays: 7,
  publishers: [
    { profileId: "p1", profileName: "Prod", hostname: "prod", problem: null, subscribers: [sub("a", "stale"), sub("b", "inSync"), sub("c", "unknown")] },
    { profileId: "p2", profileName: "Test", hostname: "test", problem: null, subscribers: [sub("d", "drifted"), sub("e", "stale")] },
    { profileId: "p3", profileName: "Empty", hostname: "x", problem: null, subscribers: [sub("f", "inSync")] },
  ],
};

const point = (at: string, byAction: [RecordAction, number][], byType: [RecordType, number][] = []): DriftPoint => ({
  path: `/r/${at}.csv`, fileName: `${at}.csv`, at, total: byAction.reduce((s, [, n]) => s + n, 0), byAction, byType, complete: true,
});

describe("fleet view", () => {
  it("queues the stale and unknown subscribers, one publisher after the other", () => {
    expect(findBatches(overview, null)).toEqual([
      { profileId: "p1", subscriberIds: ["a", "c"] },
      { profileId: "p2", subscriberIds: ["e"] },
    ]);
  });

  it("queues exactly the selected subscribers, in the screen's order", () => {
    const keys = new Set([rowKey("p2", "d"), rowKey("p1", "b"), rowKey("p1", "a")]);
    expect(findBatches(overview, keys)).toEqual([
      { profileId: "p1", subscriberIds: ["a", "b"] },
      { profileId: "p2", subscriberIds: ["d"] },
    ]);
    expect(findBatches(overview, new Set())).toEqual([]);
  });

  it("counts the states and says counts in words", () => {
    expect(stateCounts(overview)).toEqual({ inSync: 2, drifted: 1, unknown: 1, stale: 2 });
    expect(byActionText([["UPDATE", 1200], ["CREATE", 4], ["DELETE", 0]])).toBe("1,200 UPDATE · 4 CREATE");
  });

  it("stacks the chart by action in DX's order, zero where a report has none", () => {
    const points = [point("2026-11-01", [["DELETE", 2]]), point("2026-11-02", [["CREATE", 3], ["UPDATE", 1], ["X" as RecordAction, 1]])]; // "X": an action of a later DX, verbatim
    expect(driftSeries(points, "action")).toEqual([
      { label: "CREATE", data: [0, 3] },
      { label: "UPDATE", data: [0, 1] },
      { label: "DELETE", data: [2, 0] },
      { label: "X", data: [0, 1] },
    ]);
    expect(seriesColour("DELETE", 0)).toBe("#c0392b");
  });

  it("stacks the chart by type, the largest type first", () => {
    const points = [point("a", [["CREATE", 3]], [["RENDITION", 1], ["MEDIA_ITEM", 2]]), point("b", [["CREATE", 2]], [["RENDITION", 2]])];
    expect(driftSeries(points, "type").map((s) => s.label)).toEqual(["RENDITION", "MEDIA_ITEM"]);
  });

  it("pairs consecutive reports, newest first, with the change in mismatches", () => {
    const points = [point("1", [["CREATE", 5]]), point("2", [["CREATE", 2]]), point("3", [["CREATE", 4]])];
    const pairs = consecutivePairs(points);
    expect(pairs.map((p) => [p.before.at, p.after.at, p.delta])).toEqual([["2", "3", 2], ["1", "2", -3]]);
    expect(consecutivePairs(points.slice(0, 1))).toEqual([]);
  });

  it("edits a schedule: off, daily at a time, every so many minutes, and says what is wrong", () => {
    expect(scheduleDraft(null).kind).toBe("off");
    expect(scheduleDraft({ kind: "daily", hour: 2, minute: 5 }).time).toBe("02:05");
    expect(scheduleOf({ kind: "off", time: "", minutes: 0 })).toEqual({ schedule: null });
    expect(scheduleOf({ kind: "daily", time: "7:30", minutes: 0 })).toEqual({ schedule: { kind: "daily", hour: 7, minute: 30 } });
    expect(scheduleOf({ kind: "daily", time: "24:00", minutes: 0 })).toHaveProperty("problem");
    expect(scheduleOf({ kind: "every", time: "", minutes: 15 })).toEqual({ schedule: { kind: "every", minutes: 15 } });
    expect(scheduleOf({ kind: "every", time: "", minutes: 0 })).toHaveProperty("problem");
    expect(scheduleOf(scheduleDraft({ kind: "every", minutes: 90 }))).toEqual({ schedule: { kind: "every", minutes: 90 } });
  });
});
