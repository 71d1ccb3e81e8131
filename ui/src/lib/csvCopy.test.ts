import { describe, expect, it } from "vitest";
import { csvField, selectionCsv, toCsv } from "./csvCopy";
import { selectAll, selectOne, selectRange, toggleRow } from "./rowSelection";

describe("csvCopy", () => {
  it("quotes only what needs it", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("")).toBe("");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(" padded")).toBe('" padded"');
    expect(csvField("=1+1")).toBe("=1+1");
  });

  it("writes a header and CRLF lines", () => {
    expect(toCsv(["Type", "Name"], [["ASSET", "a, b.jpg"], ["COLLECTION", "x"]])).toBe('Type,Name\r\nASSET,"a, b.jpg"\r\nCOLLECTION,x\r\n');
  });

  const rowsUpTo = (n: number) => Array.from({ length: n }, (_, i) => ({ index: i, cells: [`id${i}`, `T${i}`, `n,${i}`] }));

  it("fetches the selected windows and keeps the shown columns in their order", async () => {
    const all = rowsUpTo(50);
    const calls: [number, number][] = [];
    const fetch = async (offset: number, limit: number) => {
      calls.push([offset, limit]);
      return all.slice(offset, offset + limit);
    };
    let sel = selectRange(selectOne(2), 4);
    sel = toggleRow(sel, 30);
    const r = await selectionCsv(sel, ["Name", "Record"], [2, 0], fetch, 2);
    expect(r).toEqual({ kind: "ok", rows: 4, text: 'Name,Record\r\n"n,2",id2\r\n"n,3",id3\r\n"n,4",id4\r\n"n,30",id30\r\n' });
    expect(calls).toEqual([[2, 2], [4, 1], [30, 1]]);
  });

  it("refuses a selection above the cap without fetching", async () => {
    let fetched = false;
    const r = await selectionCsv(selectAll(20_001), ["a"], [0], async () => { fetched = true; return []; }, 1000, 20_000);
    expect(r).toEqual({ kind: "tooMany", selected: 20_001, cap: 20_000 });
    expect(fetched).toBe(false);
    expect((await selectionCsv({ ranges: [], anchor: 0 }, ["a"], [0], async () => [], 10)).kind).toBe("empty");
  });
});
