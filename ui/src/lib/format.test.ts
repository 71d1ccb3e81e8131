import { describe, expect, it } from "vitest";
import { exactTime, formatCount, localTime, midId, relativeTime, shortId } from "./format";

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
  it("shortens ids in the middle so ids sharing a prefix differ", () => {
    const a = "00000000-0000-0000-0000-000000000041";
    const b = "00000000-0000-0000-0000-000000000042";
    expect(midId(a)).toBe("0000…000041");
    expect(midId(a)).not.toBe(midId(b));
    expect(midId("short-id")).toBe("short-id");
  });
  it("shows ISO times as local times and other text as is", () => {
    const iso = "2025-05-01T10:00:00.000Z";
    expect(localTime(iso)).toBe(new Date(Date.parse(iso)).toLocaleString());
    expect(localTime("")).toBe("");
    expect(localTime("yesterday")).toBe("yesterday");
  });
});
