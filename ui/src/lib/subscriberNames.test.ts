import { beforeEach, describe, expect, it } from "vitest";

describe("subscriber names", () => {
  beforeEach(() => localStorage.clear());

  it("names a subscriber by its host once a list taught it, and keeps it across restarts", async () => {
    const { rememberSubscribers, subscriberName, subscriberHost } = await import("./subscriberNames.svelte");
    const id = "af2144a5-639c-4f2b-9a55-3f2d1c0e9b10";
    expect(subscriberName(id)).toBe("af2144a5-639c…");
    expect(subscriberHost(id)).toBeNull();
    rememberSubscribers([{ id, targetHost: "render-eu.example.com" }, { id: "x", targetHost: null }]);
    expect(subscriberName(id)).toBe("render-eu.example.com");
    expect(subscriberName(null)).toBe("all subscribers");
    expect(JSON.parse(localStorage.getItem("dsc.subscriberHosts.v1")!)).toEqual({ [id]: "render-eu.example.com" });
  });
});
