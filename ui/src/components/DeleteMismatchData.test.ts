import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  listLibrary: vi.fn(),
  deleteMismatchLogs: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));

import DeleteMismatchData from "./DeleteMismatchData.svelte";

const entry = (subscriberId: string, rows: number) => ({
  path: `/lib/${subscriberId}.csv`, fileName: `${subscriberId}.csv`, subscriberId, fetchedAt: "2024-01-01T00:00:00Z", rows,
  possiblyInaccurate: false, statusAtFetch: null, archived: false, fetched: true, bytes: 10,
});

describe("DeleteMismatchData", () => {
  beforeEach(() => vi.clearAllMocks());
  afterEach(() => cleanup());

  it("asks in a modal with the counts the library knows, then deletes after the archive", async () => {
    commands.listLibrary.mockResolvedValue([entry("s1", 1204), entry("s2", 7)]);
    commands.deleteMismatchLogs.mockResolvedValue({ archivedPath: "/a.csv", archivedRows: 1210 });
    render(DeleteMismatchData, { profileId: "p1", publisherName: "prod-author" });
    await fireEvent.click(screen.getByTestId("delete-logs"));
    const counts = await screen.findByTestId("delete-counts");
    expect(counts.textContent).toContain("1,211 mismatch logs");
    expect(counts.textContent).toContain("across 2 subscribers");
    expect(commands.deleteMismatchLogs).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId("delete-logs-dialog-confirm"));
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("1,210 logs were archived first"));
    expect(commands.deleteMismatchLogs).toHaveBeenCalledWith("p1", null);
  });

  it("Esc cancels without deleting", async () => {
    commands.listLibrary.mockResolvedValue([]);
    render(DeleteMismatchData, { profileId: "p1", publisherName: "prod", subscriberId: "s1" });
    await fireEvent.click(screen.getByTestId("delete-logs"));
    const dialog = await screen.findByTestId("delete-logs-dialog");
    await fireEvent.keyDown(dialog, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("delete-logs-dialog")).toBeNull());
    expect(commands.deleteMismatchLogs).not.toHaveBeenCalled();
  });
});
