import { describe, expect, it } from "vitest";
import { appShortcuts, isTyping, keysFor, modName, shortcutFor, shortcutGroups, type KeyLike } from "./shortcuts";

const sidebar = [
  { id: "subscribers", label: "Subscribers" },
  { id: "runs", label: "Runs" },
  { id: "reports", label: "Reports" },
  { id: "operations", label: "Operations" },
  { id: "profiles", label: "Profiles" },
];

function key(k: string, mods: Partial<KeyLike> = {}): KeyLike {
  return { key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods };
}

describe("shortcuts", () => {
  const table = appShortcuts(sidebar);

  it("number the sidebar's screens in their displayed order", () => {
    sidebar.forEach((s, i) => {
      expect(shortcutFor(table, key(String(i + 1), { ctrlKey: true }), false)).toEqual({ kind: "screen", screen: s.id });
      expect(shortcutFor(table, key(String(i + 1), { metaKey: true }), true)).toEqual({ kind: "screen", screen: s.id });
      expect(keysFor(table, s.id)).toBe(`Ctrl+${i + 1}`);
    });
    expect(shortcutFor(table, key("6", { ctrlKey: true }), false)).toBeNull();
  });

  it("need the modifier for screens, and refuse Shift or Alt with it", () => {
    expect(shortcutFor(table, key("1"), false)).toBeNull();
    expect(shortcutFor(table, key("1", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(shortcutFor(table, key("1", { ctrlKey: true, altKey: true }), false)).toBeNull();
  });

  it("open the list with ? unless the user types in a field", () => {
    expect(shortcutFor(table, key("?", { shiftKey: true }), false)).toEqual({ kind: "help" });
    expect(shortcutFor(table, key("?", { shiftKey: true }), true)).toBeNull();
    expect(shortcutFor(table, key("?", { ctrlKey: true }), false)).toBeNull();
  });

  it("stop at nine screens", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, label: `S${i}` }));
    const t = appShortcuts(many, "Cmd");
    expect(t.filter((s) => s.action.kind === "screen")).toHaveLength(9);
    expect(keysFor(t, "s8")).toBe("Cmd+9");
    expect(keysFor(t, "s9")).toBeUndefined();
  });

  it("list every app-wide shortcut the handler knows, first", () => {
    const groups = shortcutGroups(table);
    expect(groups[0].items.map((i) => i.keys)).toEqual(table.map((s) => s.keys));
    expect(groups[0].items[1]).toEqual({ keys: "Ctrl+2", does: "Open Runs" });
    expect(groups.flatMap((g) => g.items).some((i) => i.keys === "Ctrl+E")).toBe(true);
  });

  it("name the modifier of the system", () => {
    expect(modName("MacIntel")).toBe("Cmd");
    expect(modName("Linux x86_64")).toBe("Ctrl");
    expect(modName("Win32")).toBe("Ctrl");
  });

  it("know which elements take text", () => {
    expect(isTyping({ tagName: "INPUT", type: "text" })).toBe(true);
    expect(isTyping({ tagName: "INPUT" })).toBe(true);
    expect(isTyping({ tagName: "INPUT", type: "checkbox" })).toBe(false);
    expect(isTyping({ tagName: "TEXTAREA" })).toBe(true);
    expect(isTyping({ tagName: "SELECT" })).toBe(true);
    expect(isTyping({ tagName: "DIV", isContentEditable: true })).toBe(true);
    expect(isTyping({ tagName: "BUTTON" })).toBe(false);
    expect(isTyping(null)).toBe(false);
    expect(isTyping(window)).toBe(false);
  });
});
