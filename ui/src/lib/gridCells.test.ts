import { describe, expect, it } from "vitest";
import { cellView, collectionNameIndex } from "./gridCells";
import { localTime } from "./format";

describe("gridCells", () => {
  const id = "00000000-0000-0000-0000-000000000042";
  it("shortens ids in the middle with the full id in the tooltip", () => {
    expect(cellView("recordId", [id], 0)).toEqual({ text: "0000…000042", title: id });
    expect(cellView("publisherHash", ["abcdef0123456789abcdef"], 0).text).toBe("abcd…abcdef");
  });
  it("shows times in local time with the ISO value in the tooltip", () => {
    const iso = "2025-05-01T10:00:00.000Z";
    expect(cellView("created", [iso], 0)).toEqual({ text: localTime(iso), title: iso });
  });
  it("shows a collection's name when the report has a name column", () => {
    const cols = [{ key: "collectionId", label: "Collection" }, { key: "extra:0", label: "tenant" }, { key: "extra:1", label: "Collection name" }];
    const n = collectionNameIndex(cols);
    expect(n).toBe(2);
    expect(cellView("collectionId", [id, "t", "Campaigns"], 0, n)).toEqual({ text: "Campaigns", title: `Campaigns\n${id}` });
    expect(cellView("collectionId", [id, "t", ""], 0, n).text).toBe("0000…000042");
    expect(collectionNameIndex(cols.slice(0, 2))).toBe(-1);
    expect(cellView("name", ["a.jpg"], 0)).toEqual({ text: "a.jpg", title: "a.jpg" });
  });
  it("names a subscriber by its host when known, the id in the tooltip", () => {
    const hosts: Record<string, string> = { [id]: "render-eu.example.com" };
    const hostOf = (s: string) => hosts[s] ?? null;
    expect(cellView("subscriberId", [id], 0, -1, hostOf)).toEqual({ text: "render-eu.example.com", title: `render-eu.example.com\n${id}` });
    const other = "00000000-0000-0000-0000-000000000099";
    expect(cellView("subscriberId", [other], 0, -1, hostOf)).toEqual({ text: "0000…000099", title: other });
  });
});
