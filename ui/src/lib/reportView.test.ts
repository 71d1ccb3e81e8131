import { describe, expect, it } from "vitest";
import {
  MAX_SCROLL_PX, PAGE, ROW_HEIGHT, buildMatrix, canonicalFilter, chips, emptyFilter, firstRow, geometry, isEmptyFilter,
  keepInView, matrixFilter, type Page, nextSort, pageRuns, pagesFor, queryKey, resyncPlan, fullyShown, rowOf, rowsFrom, rowsOf, scrollTopFor, splitPages, toggle, toggleChip, trimPages,
} from "./reportView";
import type { Filter, RecordAction, SummaryDto } from "./bindings";

const summary: SummaryDto = {
  total: 17,
  cells: [
    { recordType: "MEDIA_ITEM", recordAction: "CREATE", count: 5 },
    { recordType: "MEDIA_ITEM", recordAction: "DELETE", count: 1 },
    { recordType: "RENDITION", recordAction: "UPDATE", count: 10 },
    // A value this build does not know arrives verbatim.
    { recordType: "RENDITION", recordAction: "MOVE" as RecordAction, count: 1 },
  ],
};

describe("filters", () => {
  it("toggles chips and keys queries stably", () => {
    expect(toggle(["A"], "B")).toEqual(["A", "B"]);
    expect(toggle(["A", "B"], "A")).toEqual(["B"]);
    const f: Filter = { ...emptyFilter(), types: ["RENDITION", "COLLECTION", "RENDITION"], text: " Jpg " };
    const g: Filter = { ...emptyFilter(), types: ["COLLECTION", "RENDITION"], text: "jpg", actions: [] };
    expect(queryKey(f, null)).toBe(queryKey(g, null));
    expect(queryKey(f, null)).not.toBe(queryKey(f, { column: "name", descending: false }));
    expect(queryKey(f, null)).not.toBe(queryKey({ ...f, text: "png" }, null));
    expect(isEmptyFilter(emptyFilter())).toBe(true);
    expect(isEmptyFilter({ types: [], actions: [], subscribers: [], text: "  " })).toBe(true);
    expect(isEmptyFilter(g)).toBe(false);
    expect(queryKey(emptyFilter(), null)).toBe(queryKey({ types: [], text: " " }, null));
  });

  it("handles a field it does not name, as the next Rust field would arrive", () => {
    // A field Rust may add tomorrow: no change here is needed for it to count.
    const withTags: Filter & { tags?: string[]; owner?: string } = { types: ["RENDITION"], tags: ["b", "a"] };
    expect(isEmptyFilter(withTags)).toBe(false);
    expect(isEmptyFilter({ ...emptyFilter(), tags: [], owner: " " } as Filter)).toBe(true);
    expect(canonicalFilter(withTags)).toEqual({ tags: ["a", "b"], types: ["RENDITION"] });
    const same: Filter & { tags?: string[] } = { tags: ["a", "b", "a"], types: ["RENDITION"] };
    expect(queryKey(withTags, null)).toBe(queryKey(same, null));
    expect(queryKey(withTags, null)).not.toBe(queryKey({ types: ["RENDITION"] }, null));
    const owned = { ...emptyFilter(), owner: " Ann " } as Filter;
    expect(canonicalFilter(owned)).toEqual({ owner: "ann" });
  });

  it("toggles chips of any list field", () => {
    let f = toggleChip(emptyFilter(), "subscribers", "sub-1");
    f = toggleChip(f, "types", "NEW_TYPE");
    expect(chips(f, "subscribers")).toEqual(["sub-1"]);
    expect(chips(f, "types")).toEqual(["NEW_TYPE"]);
    expect(chips(toggleChip(f, "types", "NEW_TYPE"), "types")).toEqual([]);
    expect(chips(emptyFilter(), "actions")).toEqual([]);
  });

  it("cycles sorts", () => {
    const a = nextSort(null, "name");
    expect(a).toEqual({ column: "name", descending: false });
    const d = nextSort(a, "name");
    expect(d).toEqual({ column: "name", descending: true });
    expect(nextSort(d, "name")).toBeNull();
    expect(nextSort(d, "recordType")).toEqual({ column: "recordType", descending: false });
  });

  it("matrix clicks set and clear the type and action filter", () => {
    const f = matrixFilter({ text: "jpg" }, "RENDITION", "UPDATE");
    expect([f.types, f.actions, f.text]).toEqual([["RENDITION"], ["UPDATE"], "jpg"]);
    expect(matrixFilter(f, "RENDITION", "UPDATE").types).toEqual([]);
    const col = matrixFilter(f, null, "DELETE");
    expect([col.types, col.actions]).toEqual([[], ["DELETE"]]);
  });
});

describe("matrix and resync plan", () => {
  it("groups by type with known actions first", () => {
    const m = buildMatrix(summary);
    expect(m.actions).toEqual(["CREATE", "UPDATE", "DELETE", "MOVE"]);
    expect(m.rows.map((r) => [r.type, r.total])).toEqual([["MEDIA_ITEM", 6], ["RENDITION", 11]]);
    expect(m.max).toBe(11);
    expect(m.rows[1].counts.UPDATE).toBe(10);
  });

  it("puts DELETEs first", () => {
    const plan = resyncPlan(summary);
    expect(plan[0]).toEqual({ action: "DELETE", type: "MEDIA_ITEM", count: 1 });
    expect(plan.map((p) => p.action)).toEqual(["DELETE", "CREATE", "UPDATE", "MOVE"]);
  });
});

describe("virtual grid", () => {
  it("scrolls short reports one to one", () => {
    const g = geometry(100, 260);
    expect(g).toEqual({ scrollHeight: 100 * ROW_HEIGHT, scale: 1 });
    expect(firstRow(ROW_HEIGHT * 10 + 5, g, 100)).toEqual({ first: 10, shift: 5 });
  });

  it("scales a million rows into a bounded scroll area and reaches the last row", () => {
    const total = 1_000_000;
    const view = 520;
    const g = geometry(total, view);
    expect(g.scrollHeight).toBe(MAX_SCROLL_PX);
    const bottom = firstRow(MAX_SCROLL_PX - view, g, total);
    const visible = Math.ceil(view / ROW_HEIGHT);
    expect(bottom.first + visible).toBeGreaterThanOrEqual(total);
    expect(firstRow(scrollTopFor(500_000, g), g, total).first).toBe(500_000);
  });

  it("keeps the cursor's row in view when the viewport shrinks or grows", () => {
    for (const total of [1_000_000, 5_000_000, 300]) {
      for (const [before, after] of [[520, 505], [520, 300], [300, 520]]) {
        // At the end (End pressed), in the middle and at the top.
        for (const cursor of [total - 1, Math.floor(total / 2), 0]) {
          const g = geometry(total, before);
          const top = Math.min(g.scrollHeight - before, scrollTopFor(Math.max(0, cursor - Math.floor(before / ROW_HEIGHT) + 1), g));
          const [a, b] = fullyShown(top, total, before);
          expect(cursor >= a && cursor < b).toBe(true);
          const next = keepInView(cursor, top, total, before, after);
          expect(next).not.toBeNull();
          const [c, d] = fullyShown(next!, total, after);
          expect(cursor, `${total} rows, ${before}→${after}px, cursor ${cursor}: shown ${c}..${d}`).toBeGreaterThanOrEqual(c);
          expect(cursor).toBeLessThan(d);
        }
      }
    }
  });

  it("is needed: in a million rows, 15 px less of viewport at the end hides the last row", () => {
    const total = 1_000_000;
    const top = geometry(total, 520).scrollHeight - 520;
    expect(fullyShown(top, total, 520)[1]).toBe(total);
    expect(fullyShown(top, total, 505)[1]).toBeLessThan(total);
  });

  it("leaves the scroll alone when the cursor was out of view or nothing changed", () => {
    const total = 1_000_000;
    const g = geometry(total, 520);
    expect(keepInView(10, scrollTopFor(5000, g), total, 520, 505)).toBeNull();
    expect(keepInView(5000, scrollTopFor(5000, g), total, 520, 520)).toBeNull();
    expect(keepInView(0, 0, 0, 520, 505)).toBeNull();
  });

  it("asks for the pages around the visible rows", () => {
    expect(pagesFor(0, 20, 1000)).toEqual([0]);
    expect(pagesFor(250, 20, 1000)).toEqual([2, 3]);
    expect(pagesFor(160, 20, 1000)).toEqual([1, 2]);
    expect(pagesFor(990, 20, 1000)).toEqual([9]);
    expect(pagesFor(0, 20, 0)).toEqual([]);
  });

  it("tells the pages with rows on screen (no margin)", () => {
    expect(pagesFor(250, 20, 1000, 0, 0)).toEqual([2]);
    expect(pagesFor(290, 20, 1000, 0, 0)).toEqual([2, 3]);
    expect(pagesFor(0, 0, 1000, 0, 0)).toEqual([]);
  });

  it("fetches ahead in the direction of scrolling", () => {
    expect(pagesFor(250, 20, 1000, 1)).toEqual([2, 3, 4, 5]);
    expect(pagesFor(450, 20, 1000, -1)).toEqual([2, 3, 4, 5]);
    expect(pagesFor(450, 20, 1000, 0)).toEqual([4, 5]);
    expect(pagesFor(950, 20, 1000, 1)).toEqual([9]);
    expect(pagesFor(10, 20, 1000, -1)).toEqual([0]);
  });

  it("reads rows from pages and trims far pages", () => {
    // Pages arrive column by column; rows are made for the asked positions only.
    const ids = Array.from({ length: PAGE }, (_, k) => PAGE + k);
    const pages = new Map<number, Page>();
    pages.set(1, { indexes: ids, columns: [ids.map(String), ids.map((i) => `n${i}`)] });
    const got = rowsFrom(pages, PAGE - 1, 3, 1000);
    expect(got[0]).toBeNull();
    expect(got[1]).toEqual({ index: PAGE, cells: [String(PAGE), `n${PAGE}`] });
    expect(got[2]?.cells).toEqual([String(PAGE + 1), `n${PAGE + 1}`]);
    expect(rowOf(pages.get(1)!, PAGE)).toBeNull();
    expect(rowsOf(pages.get(1)!).map((r) => r.index)).toEqual(ids);
    for (let p = 2; p < 60; p++) pages.set(p, { indexes: [], columns: [] });
    trimPages(pages, 1, 10);
    expect(pages.size).toBe(10);
    expect(pages.has(1)).toBe(true);
    expect(pages.has(59)).toBe(false);
  });

  it("makes a page's rows once, so a page arriving leaves the other rows as they were", () => {
    const page = (p: number): Page => {
      const ids = Array.from({ length: PAGE }, (_, k) => p * PAGE + k);
      return { indexes: ids, columns: [ids.map(String)] };
    };
    const pages = new Map<number, Page>([[0, page(0)]]);
    const before = rowsFrom(pages, PAGE - 5, 10, 1000);
    expect(before.slice(5)).toEqual([null, null, null, null, null]);
    pages.set(1, page(1));
    const after = rowsFrom(pages, PAGE - 5, 10, 1000);
    // The rows of page 0 are the very same objects; page 1's rows are new.
    for (let k = 0; k < 5; k++) expect(after[k]).toBe(before[k]);
    expect(after[5]).toEqual({ index: PAGE, cells: [String(PAGE)] });
    expect(rowsFrom(pages, PAGE, 1, 1000)[0]).toBe(after[5]);
    // A page fetched again (another filter) is another object: its rows are made anew.
    pages.set(0, page(0));
    expect(rowsFrom(pages, PAGE - 5, 1, 1000)[0]).not.toBe(before[0]);
    expect(rowsFrom(pages, PAGE - 5, 1, 1000)[0]).toEqual(before[0]);
  });

  it("fetches consecutive pages as one window and splits it into pages", () => {
    expect(pageRuns([4, 2, 3, 7, 8, 3], 10)).toEqual([[2, 4], [7, 8]]);
    expect(pageRuns([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5, 5]]);
    expect(pageRuns([], 10)).toEqual([]);
    const ids = Array.from({ length: PAGE + 30 }, (_, k) => 3 * PAGE + k);
    const pages = splitPages({ indexes: ids, columns: [ids.map(String), ids.map((i) => `n${i}`)] }, 3);
    expect([...pages.keys()]).toEqual([3, 4]);
    expect(pages.get(3)!.indexes).toHaveLength(PAGE);
    expect(pages.get(4)!.indexes).toEqual(ids.slice(PAGE));
    expect(pages.get(4)!.columns[1]![0]).toBe(`n${4 * PAGE}`);
    // The split pages read like pages fetched one by one.
    expect(rowsFrom(pages, 4 * PAGE - 1, 2, 10_000).map((r) => r?.index)).toEqual([4 * PAGE - 1, 4 * PAGE]);
  });
});
