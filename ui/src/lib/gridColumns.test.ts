import { describe, expect, it } from "vitest";
import {
  MAX_WIDTH, MIN_WIDTH, cellFlexes, defaultLayout, dropIndex, moveColumn, nudgeColumn, reconcile, resizeColumn, shownIndexes,
  template, toggleColumn, totalWidth, visibleColumns,
} from "./gridColumns";

const cols = ["subscriberId", "recordType", "recordAction", "recordId", "collectionId", "name", "publisherHash", "subscriberHash", "created", "logId", "extra:0"]
  .map((key) => ({ key, label: key }));
const keys = (l: { key: string }[]) => l.map((c) => c.key);

describe("gridColumns", () => {
  it("shows the usual columns first and lists every other one hidden", () => {
    const l = defaultLayout(cols);
    expect(keys(visibleColumns(l))).toEqual(["recordType", "recordAction", "recordId", "name", "collectionId", "subscriberId", "created"]);
    expect(keys(l).sort()).toEqual(keys(cols).sort());
    expect(l.find((c) => c.key === "logId")?.visible).toBe(false);
    expect(shownIndexes(l, cols)).toEqual([1, 2, 3, 5, 4, 0, 8]);
  });

  it("toggles a column but never hides the last one", () => {
    let l = toggleColumn(defaultLayout(cols), "logId");
    expect(keys(visibleColumns(l))).toContain("logId");
    l = toggleColumn(l, "logId");
    expect(keys(visibleColumns(l))).not.toContain("logId");
    for (const k of keys(visibleColumns(l))) l = toggleColumn(l, k);
    expect(visibleColumns(l)).toHaveLength(1);
  });

  it("clamps widths", () => {
    const l = resizeColumn(defaultLayout(cols), "name", 5);
    expect(l.find((c) => c.key === "name")?.width).toBe(MIN_WIDTH);
    expect(resizeColumn(l, "name", 1e6).find((c) => c.key === "name")?.width).toBe(MAX_WIDTH);
    expect(resizeColumn(l, "name", 200.4).find((c) => c.key === "name")?.width).toBe(200);
  });

  it("moves shown columns and keeps hidden ones in the layout", () => {
    const l = defaultLayout(cols);
    expect(keys(visibleColumns(moveColumn(l, "created", 0)))[0]).toBe("created");
    expect(keys(visibleColumns(moveColumn(l, "recordType", 99))).at(-1)).toBe("recordType");
    const moved = moveColumn(l, "recordId", 1);
    expect(keys(visibleColumns(moved)).slice(0, 3)).toEqual(["recordType", "recordId", "recordAction"]);
    expect(moved).toHaveLength(l.length);
    expect(keys(visibleColumns(nudgeColumn(l, "recordAction", -1))).slice(0, 2)).toEqual(["recordAction", "recordType"]);
    expect(keys(visibleColumns(nudgeColumn(l, "recordType", -1)))).toEqual(keys(visibleColumns(l)));
    expect(keys(nudgeColumn(l, "logId", 1))).toEqual(keys(l));
  });

  it("finds where a dragged header lands", () => {
    const edges: [number, number][] = [[0, 100], [100, 100], [200, 100]];
    expect(dropIndex(edges, 10, 2)).toBe(0);
    expect(dropIndex(edges, 160, 0)).toBe(1);
    expect(dropIndex(edges, 290, 0)).toBe(2);
    expect(dropIndex(edges, 120, 1)).toBe(1);
    expect(dropIndex(edges, 60, 1)).toBe(1);
    expect(dropIndex(edges, 40, 1)).toBe(0);
  });

  it("reconciles a remembered layout with the report's columns", () => {
    const saved = [
      { key: "name", width: 300, visible: true },
      { key: "gone", width: 100, visible: true },
      { key: "name", width: 10, visible: false },
      { key: "logId", width: 99999, visible: true },
    ];
    const l = reconcile(saved, cols);
    expect(keys(visibleColumns(l))).toEqual(["name", "logId"]);
    expect(l.find((c) => c.key === "logId")?.width).toBe(MAX_WIDTH);
    expect(keys(l).sort()).toEqual(keys(cols).sort());
    expect(keys(visibleColumns(reconcile([{ key: "gone", width: 1, visible: true }], cols)))).toEqual(keys(visibleColumns(defaultLayout(cols))));
    expect(reconcile(null, cols)).toEqual(defaultLayout(cols));
  });

  it("builds the grid template and total width", () => {
    const l = [
      { key: "a", width: 100, visible: true },
      { key: "b", width: 50, visible: false },
      { key: "c", width: 70, visible: true },
    ];
    expect(template(l)).toBe("100px minmax(70px, 1fr)");
    expect(totalWidth(l)).toBe(170);
  });

  it("gives the cells the header's widths, the last shown cell also the room left", () => {
    const l = [
      { key: "a", width: 100, visible: true },
      { key: "b", width: 50, visible: false },
      { key: "gone", width: 80, visible: true },
      { key: "c", width: 70, visible: true },
    ];
    const columns = ["a", "b", "c"].map((key) => ({ key, label: key }));
    expect(shownIndexes(l, columns)).toEqual([0, 2]);
    expect(cellFlexes(l, columns)).toEqual(["0 0 100px", "1 0 70px"]);
  });
});
