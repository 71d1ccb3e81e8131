import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  listOperations: vi.fn(),
  startRuns: vi.fn(),
  listRuns: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

import { ui } from "../lib/app.svelte";
import ResyncDialog from "./ResyncDialog.svelte";

const report = {
  rows: 160,
  summary: { total: 160, cells: [
    { recordType: "MEDIA_ITEM" as const, recordAction: "CREATE" as const, count: 152 },
    { recordType: "RENDITION" as const, recordAction: "DELETE" as const, count: 4 },
  ] },
};
const page = (items: unknown[]) => ({ items, total: items.length, counts: [], profileId: "sub-env" });

describe("ResyncDialog", () => {
  beforeEach(() => vi.clearAllMocks());
  afterEach(() => cleanup());

  it("says what will happen in counts and starts the resync of the wizard", async () => {
    commands.listOperations.mockResolvedValue(page([]));
    commands.startRuns.mockResolvedValue([]);
    const onClose = vi.fn();
    render(ResyncDialog, { profileId: "p1", subscriberId: "s1", journeyId: "j1", report, onClose });
    const confirm = await screen.findByTestId("resync-dialog-confirm");
    expect(confirm.textContent).toBe("Resync 156 records — 4 deletions on the subscriber");
    await waitFor(() => expect((confirm as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId("resync-dialog").textContent).toContain("no FAILED sync operation");
    await fireEvent.click(confirm);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(commands.startRuns).toHaveBeenCalledWith({ profileId: "p1", subscriberIds: ["s1"], kind: "resync", journeyId: "j1", previousReport: null, clearStaleLogs: null });
  });

  it("is disabled with the reason when the pre-flight will refuse, and links to the failed operations", async () => {
    commands.listOperations.mockResolvedValue(page([{ id: "op-1", triggerFunction: "syncStagingMediaContent", status: "FAILED", errorInfo: "disk full" }]));
    const onClose = vi.fn();
    render(ResyncDialog, { profileId: "p1", subscriberId: "s1", report, onClose });
    await waitFor(() => expect(screen.getByTestId("resync-dialog-reason").textContent).toContain("1 FAILED sync operation"));
    expect((screen.getByTestId("resync-dialog-confirm") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("resync-refused").textContent).toContain("disk full");
    await fireEvent.click(screen.getByTestId("recheck"));
    await waitFor(() => expect(commands.listOperations).toHaveBeenCalledTimes(2));
    await fireEvent.click(screen.getByTestId("show-failed-ops"));
    expect(onClose).toHaveBeenCalled();
    expect(ui.screen).toBe("operations");
    expect(ui.operationsQuery).toEqual({ environment: "subscriber", statuses: ["FAILED"], prefix: "sync", subscriberId: "s1" });
    expect(commands.listOperations).toHaveBeenCalledWith("p1", "subscriber", "s1", ["FAILED"], "sync", 0, 20);
  });
});
