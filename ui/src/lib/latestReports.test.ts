import { describe, expect, it } from "vitest";
import type { LibraryEntry } from "./bindings";
import { latestBySubscriber } from "./latestReports";

const entry = (over: Partial<LibraryEntry>): LibraryEntry => ({
  path: "/r.csv", fileName: "r.csv", subscriberId: "s1", fetchedAt: "2024-01-01T00:00:00Z", rows: 1,
  possiblyInaccurate: false, statusAtFetch: null, archived: false, fetched: true, bytes: 10, ...over,
});

describe("latest reports", () => {
  it("keeps each subscriber's newest fetched report, never an archived copy", () => {
    const m = latestBySubscriber([
      entry({ path: "/old.csv", fetchedAt: "2024-01-01T00:00:00Z" }),
      entry({ path: "/new.csv", fetchedAt: "2024-02-01T00:00:00Z", rows: 156 }),
      entry({ path: "/arch.csv", fetchedAt: "2024-03-01T00:00:00Z", archived: true }),
      entry({ path: "/all.csv", subscriberId: null }),
      entry({ path: "/s2.csv", subscriberId: "s2" }),
    ]);
    expect(m.get("s1")?.path).toBe("/new.csv");
    expect(m.get("s2")?.path).toBe("/s2.csv");
    expect(m.size).toBe(2);
  });
});
