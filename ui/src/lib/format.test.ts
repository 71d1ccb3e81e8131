import { describe, expect, it } from "vitest";
import { exactTime, formatCount, relativeTime, shortId } from "./format";

describe("format", () => {
  it("separates thousands", () => {
    expect(formatCount(48330)).toBe(new Intl.NumberFormat().format(48330));
    expect(formatCount(48330)).not.toBe("48330");
  });
  it("says how long ago", () => {
    const now = Date.parse("2024-05-01T12:00:00Z");
    expect(relativeTime("2024-05-01T11:56:00Z", now)).toMatch(/4 min/);
    expect(relativeTime("2024-05-01T09:00:00Z", now)).toMatch(/3 h/);
    expect(relativeTime(null, now)).toBe("—");
    expect(relativeTime("not a date", now)).toBe("not a date");
  });
  it("shortens ids and shows exact times", () => {
    expect(shortId("5f2c9a3e-1111-2222")).toBe("5f2c9a3e…");
    expect(shortId("abc")).toBe("abc");
    expect(exactTime(undefined)).toBe("never");
  });
});
