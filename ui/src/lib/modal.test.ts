import { describe, expect, it } from "vitest";
import { initialButton, trapTab } from "./modal";

describe("the modal's focus", () => {
  it("wraps Tab at the edges and lets it move inside", () => {
    expect(trapTab(3, 2, false)).toBe(0);
    expect(trapTab(3, 0, true)).toBe(2);
    expect(trapTab(3, 1, false)).toBeNull();
    expect(trapTab(3, 1, true)).toBeNull();
    expect(trapTab(1, 0, false)).toBe(0);
  });
  it("brings focus back from outside", () => {
    expect(trapTab(3, -1, false)).toBe(0);
    expect(trapTab(3, -1, true)).toBe(2);
    expect(trapTab(0, -1, false)).toBeNull();
  });
  it("starts on the safe answer for a destructive or disabled action", () => {
    expect(initialButton("danger", true, false)).toBe("cancel");
    expect(initialButton("primary", true, true)).toBe("cancel");
    expect(initialButton("primary", false, false)).toBe("cancel");
    expect(initialButton("primary", true, false)).toBe("confirm");
  });
});
