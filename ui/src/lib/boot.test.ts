import { describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  appInfo: vi.fn(),
  listProfiles: vi.fn(),
  keyringStatus: vi.fn(),
}));
vi.mock("./bindings", () => ({ commands }));

import { boot, keyringDown, ui } from "./app.svelte";

describe("boot", () => {
  it("shows the app before the keyring answers, then learns its state", async () => {
    commands.appInfo.mockResolvedValue({ version: "1", demo: false, selectedProfileId: null, logDir: "/l" });
    commands.listProfiles.mockResolvedValue([]);
    let answer: (v: unknown) => void = () => {};
    commands.keyringStatus.mockReturnValue(new Promise((r) => (answer = r)));
    await boot();
    // Loaded (the first frame can paint) while the keyring has not answered yet.
    expect(ui.loading).toBe(false);
    expect(ui.keyring).toBeNull();
    expect(keyringDown()).toBe(false);
    answer({ available: false, reason: "no Secret Service" });
    await vi.waitFor(() => expect(ui.keyring).not.toBeNull());
    expect(keyringDown()).toBe(true);
  });
});
