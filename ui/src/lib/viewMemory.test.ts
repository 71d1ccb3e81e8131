import { describe, expect, it } from "vitest";
import { forgetView, loadView, saveView, viewKey, type SavedView, type ViewStore } from "./viewMemory";

function memory(): ViewStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

const view: SavedView = {
  columns: [{ key: "name", width: 200, visible: true }, { key: "logId", width: 120, visible: false }],
  sort: { column: "name", descending: true },
  filter: { types: ["RENDITION"], text: "jpg" },
};

describe("viewMemory", () => {
  it("remembers a view per file path", () => {
    const s = memory();
    saveView(s, "/r/a.csv", view);
    expect(loadView(s, "/r/a.csv")).toEqual(view);
    expect(loadView(s, "/r/b.csv")).toBeNull();
    forgetView(s, "/r/a.csv");
    expect(loadView(s, "/r/a.csv")).toBeNull();
  });

  it("ignores what is not a view", () => {
    const s = memory();
    s.data.set(viewKey("x"), "{not json");
    expect(loadView(s, "x")).toBeNull();
    s.data.set(viewKey("x"), JSON.stringify({ columns: "no" }));
    expect(loadView(s, "x")).toBeNull();
    s.data.set(viewKey("x"), JSON.stringify({ columns: [{ key: 1 }, { key: "a", width: 9, visible: true }], sort: { column: 3 }, filter: [] }));
    expect(loadView(s, "x")).toEqual({ columns: [{ key: "a", width: 9, visible: true }], sort: null, filter: {} });
  });

  it("survives a storage that throws", () => {
    const broken: ViewStore = {
      getItem: () => { throw new Error("denied"); },
      setItem: () => { throw new Error("full"); },
      removeItem: () => { throw new Error("denied"); },
    };
    expect(loadView(broken, "a")).toBeNull();
    expect(() => saveView(broken, "a", view)).not.toThrow();
    expect(() => forgetView(broken, "a")).not.toThrow();
  });
});
