import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  validateProfile: vi.fn(),
  saveProfile: vi.fn(),
  testDraft: vi.fn(),
  pickCaFile: vi.fn(),
  listProfiles: vi.fn(),
  selectProfile: vi.fn(),
  listSubscribers: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));

import Guide from "./Guide.svelte";
import { ui } from "../lib/app.svelte";
import { emptyProfile } from "../lib/profileDraft";
import type { ProfileDto } from "../lib/bindings";
import { subscriberFixture, viewFixture } from "../lib/fixtures";

const view = (p: ProfileDto) => viewFixture(p);

const pub = { ...emptyProfile(), id: "pub", name: "prod-author", dxProtocol: "http" as const, hostname: "127.0.0.1", dxPort: 4000, ringAPIPort: 4000, damAPIPort: 4000, dxUsername: "wpsadmin" };
const env = { ...emptyProfile(), id: "env", name: "127.0.0.1:4001", dxProtocol: "http" as const, hostname: "127.0.0.1", dxPort: 4001, ringAPIPort: 4001, damAPIPort: 4001, dxUsername: "wpsadmin" };
const subscriber = subscriberFixture("127.0.0.1:4001", "sub-1");

describe("Getting started", () => {
  afterEach(() => cleanup());
  beforeEach(() => {
    Object.values(commands).forEach((f) => f.mockReset());
    ui.profiles = [];
    ui.selectedId = null;
    ui.screen = "guide";
    commands.validateProfile.mockResolvedValue([]);
    commands.selectProfile.mockResolvedValue(null);
    commands.listSubscribers.mockResolvedValue([subscriber]);
  });

  it("adds the publisher, lists its subscribers, adds a subscriber's environment linked to it and selects it", async () => {
    render(Guide);
    expect(screen.getByTestId("guide-why").textContent).toContain("subscriber environment");
    expect(screen.getByTestId("guide-step-publisher").dataset.state).toBe("current");

    commands.saveProfile.mockResolvedValueOnce(view(pub));
    commands.listProfiles.mockResolvedValueOnce([view(pub)]);
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "prod-author" } });
    await fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(screen.getByTestId("notice").textContent).toContain("Saved prod-author"));
    expect(ui.selectedId).toBe("pub");

    const add = await screen.findByTestId("add-environment");
    expect(screen.getByTestId("guide-subscriber").textContent).toContain("127.0.0.1:4001");
    await fireEvent.click(add);
    expect(screen.getByTestId("linked-publisher").textContent).toContain("prod-author");
    expect((screen.getByLabelText("Host name") as HTMLInputElement).value).toBe("127.0.0.1");
    expect((screen.getByLabelText("DX port") as HTMLInputElement).value).toBe("4001");

    const linked = { ...pub, subscriberLinks: [{ subscriberId: "sub-1", profileId: "env" }] };
    commands.saveProfile.mockResolvedValueOnce(view(env)).mockResolvedValueOnce(view(linked));
    commands.listProfiles.mockResolvedValueOnce([view(linked), view(env)]);
    await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "pw" } });
    await fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(screen.getByTestId("notice").textContent).toContain("Linked to prod-author"));
    const link = commands.saveProfile.mock.calls[2];
    expect(link[0]).toMatchObject({ id: "pub", subscriberLinks: [{ subscriberId: "sub-1", profileId: "env" }] });
    expect(link.slice(1)).toEqual([null, null, false]);
    expect(ui.selectedId).toBe("env");
    expect(commands.selectProfile).toHaveBeenLastCalledWith("env");
    expect(screen.getByTestId("guide-linked").textContent).toContain("linked");
    expect(screen.getByTestId("guide-step-environments").dataset.state).toBe("done");
    expect(screen.queryByTestId("guide-missing")).toBeNull();
  });

  it("goes back to the first-run screen when the publisher's form is closed with nothing saved", async () => {
    render(Guide);
    await fireEvent.click(screen.getByTestId("cancel"));
    expect(ui.screen).toBe("subscribers");
  });

  it("starts from the selected publisher when opened again", async () => {
    ui.profiles = [view(pub)];
    ui.selectedId = "pub";
    render(Guide);
    expect(screen.queryByTestId("profile-form")).toBeNull();
    expect(screen.getByTestId("guide-publisher-name").textContent).toBe("prod-author");
    await screen.findByTestId("add-environment");
    expect(commands.listSubscribers).toHaveBeenCalledWith("pub");
    expect(screen.getByTestId("guide-missing").textContent).toContain("127.0.0.1:4001");
  });
});
