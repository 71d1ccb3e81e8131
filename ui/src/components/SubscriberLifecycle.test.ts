import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  deregisterPreview: vi.fn(),
  deregisterSubscriber: vi.fn(),
  reregisterSubscriber: vi.fn(),
  registerSubscriber: vi.fn(),
  fetchSubscriberReport: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));

import DeregisterSubscriber from "./DeregisterSubscriber.svelte";
import FetchReport from "./FetchReport.svelte";
import RegisterSubscriber from "./RegisterSubscriber.svelte";
import ReregisterSubscriber from "./ReregisterSubscriber.svelte";
import { subscriberFixture } from "../lib/fixtures";
import { rememberSubscribers } from "../lib/subscriberNames.svelte";

const preview = {
  subscriber: { ...subscriberFixture("render-blue.example.com", "s1"), cycleLength: 2 },
  mismatchLogs: 1204,
  countedFrom: "server",
  countedAt: null,
  jobRunning: true,
  environmentName: "Render blue",
  environmentProfileId: "env-blue",
};
const entry = (possiblyInaccurate: boolean) => ({
  path: "/lib/r.csv", fileName: "r.csv", subscriberId: "s1", fetchedAt: "2024-01-01T00:00:00Z", rows: 12,
  possiblyInaccurate, statusAtFetch: "FIND_MISMATCH_START", archived: false, fetched: true, bytes: 10,
});

describe("a subscriber's registration", () => {
  beforeEach(() => {
    Object.values(commands).forEach((f) => f.mockReset());
    rememberSubscribers([{ id: "s1", targetHost: "render-blue.example.com" }]);
  });
  afterEach(() => cleanup());

  it("deregisters only after a modal that says what stops, with counts", async () => {
    commands.deregisterPreview.mockResolvedValue(preview);
    commands.deregisterSubscriber.mockResolvedValue(null);
    const onDeregistered = vi.fn();
    render(DeregisterSubscriber, { profileId: "p1", publisherName: "prod-author", subscriberId: "s1", onDeregistered });
    await fireEvent.click(screen.getByTestId("deregister"));
    const effects = await screen.findByTestId("deregister-effects");
    expect(effects.textContent).toContain("Periodic staging to render-blue.example.com every 2 minutes stops.");
    expect(screen.getByTestId("effect-logs").textContent).toBe("Its 1,204 mismatch logs on the publisher are deleted.");
    expect(screen.getByTestId("effect-job").textContent).toContain("is aborted");
    expect(screen.getByTestId("effect-content").textContent).toContain("own content stays");
    expect(commands.deregisterSubscriber).not.toHaveBeenCalled();
    const confirm = screen.getByTestId("deregister-dialog-confirm");
    expect(confirm.textContent).toBe("Deregister render-blue.example.com");
    await fireEvent.click(confirm);
    await waitFor(() => expect(onDeregistered).toHaveBeenCalled());
    expect(commands.deregisterSubscriber).toHaveBeenCalledWith("p1", "s1");
    expect(screen.getByTestId("deregister-done").textContent).toContain("Deregistered render-blue.example.com");
  });

  it("re-registers with the same host and cycle, checking the login with the linked connection", async () => {
    commands.deregisterPreview.mockResolvedValue({ ...preview, jobRunning: false });
    commands.reregisterSubscriber.mockResolvedValue({ ...subscriberFixture("render-blue.example.com", "s2"), cycleLength: 2 });
    render(ReregisterSubscriber, { profileId: "p1", publisherName: "prod-author", subscriberId: "s1" });
    await fireEvent.click(screen.getByTestId("reregister"));
    expect((await screen.findByTestId("reregister-again")).textContent).toContain("every 2 min");
    await waitFor(() => expect((screen.getByTestId("reregister-dialog-confirm") as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByTestId("reregister-dialog-confirm"));
    await waitFor(() => expect(screen.getByTestId("reregister-done").textContent).toContain("registered again"));
    expect(commands.reregisterSubscriber).toHaveBeenCalledWith("p1", "s1", { with: "profile", profileId: "env-blue" });
  });

  it("registers after checking the administrator's login, and says the transfer credentials are not the app's to set", async () => {
    commands.registerSubscriber.mockResolvedValue({ ...subscriberFixture("render-green.example.com", "s9"), cycleLength: 15 });
    const onRegistered = vi.fn();
    render(RegisterSubscriber, { profileId: "p1", publisherName: "prod-author", onRegistered });
    await fireEvent.click(screen.getByTestId("register-subscriber"));
    expect(screen.getByTestId("transfer-credentials-note").textContent).toContain("<release>-dam-staging");
    const confirm = screen.getByTestId("register-dialog-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("register-host"), { target: { value: "render-green.example.com" } });
    await fireEvent.input(screen.getByTestId("register-user"), { target: { value: "wpsadmin" } });
    await fireEvent.input(screen.getByTestId("register-password"), { target: { value: "pw" } });
    await fireEvent.input(screen.getByTestId("register-cycle"), { target: { value: "1441" } });
    expect(screen.getByTestId("register-dialog-reason").textContent).toContain("1 to 1,440");
    await fireEvent.input(screen.getByTestId("register-cycle"), { target: { value: "15" } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(onRegistered).toHaveBeenCalled());
    expect(commands.registerSubscriber).toHaveBeenCalledWith({
      profileId: "p1",
      targetHost: "render-green.example.com",
      cycleLength: 15,
      login: { with: "typed", username: "wpsadmin", password: "pw" },
    });
  });

  it("asks before downloading the report of a find that has not finished, then marks it", async () => {
    commands.fetchSubscriberReport
      .mockRejectedValueOnce({ code: "refused", message: "the report of subscriber s1 was not downloaded: the find is still running (FIND_MISMATCH_START)", field: null })
      .mockResolvedValueOnce(entry(true));
    render(FetchReport, { profileId: "p1", subscriberId: "s1", status: "FIND_MISMATCH_START" });
    await fireEvent.click(screen.getByTestId("fetch-report"));
    const dialog = await screen.findByRole("dialog", {
      name: "The find for render-blue.example.com has not finished (FIND_MISMATCH_START): its report is not complete. Download it anyway?",
    });
    expect(dialog.textContent).toContain("possibly inaccurate");
    expect(screen.getByTestId("fetch-refused-confirm").textContent).toBe("Download anyway");
    await fireEvent.click(screen.getByTestId("fetch-refused-confirm"));
    await waitFor(() => expect(screen.getByTestId("fetch-done").textContent).toContain("marked possibly inaccurate"));
    expect(commands.fetchSubscriberReport.mock.calls).toEqual([
      ["p1", "s1", false],
      ["p1", "s1", true],
    ]);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("Cancel downloads nothing", async () => {
    commands.fetchSubscriberReport.mockRejectedValueOnce({ code: "refused", message: "no find has run", field: null });
    render(FetchReport, { profileId: "p1", subscriberId: "s1", status: null });
    await fireEvent.click(screen.getByTestId("fetch-report"));
    await fireEvent.click(await screen.findByTestId("fetch-refused-cancel"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(commands.fetchSubscriberReport).toHaveBeenCalledTimes(1);
  });
});
