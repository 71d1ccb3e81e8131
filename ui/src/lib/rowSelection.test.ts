import { describe, expect, it } from "vitest";
import { EMPTY, isSelected, normalise, selectAll, selectOne, selectRange, selectedCount, toggleRow, windowsFor } from "./rowSelection";

describe("rowSelection", () => {
  it("merges ranges", () => {
    expect(normalise([[5, 7], [1, 2], [3, 3], [9, 8]])).toEqual([[1, 3], [5, 9]]);
  });

  it("selects one row, then a Shift range from the anchor", () => {
    const one = selectOne(4);
    expect(selectedCount(one)).toBe(1);
    const down = selectRange(one, 9);
    expect(down.ranges).toEqual([[4, 9]]);
    expect(selectRange(down, 1).ranges).toEqual([[1, 4]]);
    expect(selectRange(down, 1, true).ranges).toEqual([[1, 9]]);
  });

  it("toggles rows with Ctrl", () => {
    let s = selectOne(2);
    s = toggleRow(s, 5);
    expect(s.ranges).toEqual([[2, 2], [5, 5]]);
    s = selectRange(s, 8, true);
    expect(s.ranges).toEqual([[2, 2], [5, 8]]);
    s = toggleRow(s, 6);
    expect(s.ranges).toEqual([[2, 2], [5, 5], [7, 8]]);
    expect(isSelected(s, 6)).toBe(false);
    expect(isSelected(s, 7)).toBe(true);
    expect(selectedCount(s)).toBe(4);
    expect(toggleRow(selectOne(3), 3).ranges).toEqual([]);
  });

  it("selects all rows as one range", () => {
    expect(selectAll(1_000_000).ranges).toEqual([[0, 999_999]]);
    expect(selectAll(0)).toEqual(EMPTY);
  });

  it("covers the selection with windows of at most max rows", () => {
    const s = { ranges: [[0, 2], [10, 2509]] as [number, number][], anchor: 0 };
    expect(windowsFor(s, 1000)).toEqual([
      { offset: 0, limit: 3 },
      { offset: 10, limit: 1000 },
      { offset: 1010, limit: 1000 },
      { offset: 2010, limit: 500 },
    ]);
  });
});
