import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  startupNotices: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));

import StartupNotices from "./StartupNotices.svelte";

describe("StartupNotices", () => {
  afterEach(() => cleanup());

  it("says where the unreadable profiles file went, once", async () => {
    commands.startupNotices.mockResolvedValue([
      {
        kind: "profilesMovedAside",
        path: "/d/profiles.json",
        movedTo: "/d/profiles.json.corrupt-20240101T000000Z",
        reason: "expected value at line 1 column 1",
      },
    ]);
    render(StartupNotices);
    await waitFor(() => expect(screen.getByTestId("moved-to").textContent).toBe("/d/profiles.json.corrupt-20240101T000000Z"));
    expect(screen.getByRole("alertdialog").textContent).toContain("started without them");
    await fireEvent.click(screen.getByTestId("notices-ok"));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(commands.startupNotices).toHaveBeenCalledTimes(1);
  });

  it("shows nothing when there is nothing to say", async () => {
    commands.startupNotices.mockResolvedValue([]);
    render(StartupNotices);
    await waitFor(() => expect(commands.startupNotices).toHaveBeenCalled());
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });
});
