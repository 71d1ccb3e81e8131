import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  validateProfile: vi.fn(),
  saveProfile: vi.fn(),
  testDraft: vi.fn(),
  pickCaFile: vi.fn(),
  subscriberEnvironments: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));

import ProfileForm from "./ProfileForm.svelte";
import { ui } from "../lib/app.svelte";
import { emptyProfile } from "../lib/profileDraft";
import { viewFixture } from "../lib/fixtures";

function setup(initial = emptyProfile()) {
  const onSaved = vi.fn();
  const onCancel = vi.fn();
  render(ProfileForm, { initial, onSaved, onCancel });
  return { onSaved, onCancel };
}

describe("ProfileForm", () => {
  afterEach(() => cleanup());
  beforeEach(() => {
    Object.values(commands).forEach((f) => f.mockReset());
    commands.subscriberEnvironments.mockResolvedValue([]);
    ui.profiles = [];
  });

  it("shows each field's message and saves nothing while invalid", async () => {
    commands.validateProfile.mockResolvedValue([
      { field: "hostname", message: "give the host name only, without https://" },
      { field: "dxPort", message: "70000 is not a port (1-65535)" },
    ]);
    setup();
    await fireEvent.input(screen.getByLabelText("Host name"), { target: { value: "https://dx.example.com" } });
    await fireEvent.input(screen.getByLabelText("DX port"), { target: { value: "70000" } });
    await fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(screen.getByTestId("field-error-hostname").textContent).toContain("without https://"));
    expect(screen.getByTestId("field-error-dxPort").textContent).toContain("70000");
    expect(screen.getByLabelText("Host name").getAttribute("aria-invalid")).toBe("true");
    expect(commands.saveProfile).not.toHaveBeenCalled();
    const sent = commands.validateProfile.mock.calls.at(-1)![0];
    expect(sent.dxPort).toBe(70000);
  });

  it("explains a failed connection and offers to save without connecting", async () => {
    commands.validateProfile.mockResolvedValue([]);
    commands.saveProfile.mockRejectedValueOnce({ code: "bad_credentials", message: "127.0.0.1:1 rejected the user name or password (401 at login)", field: null });
    const { onSaved } = setup();
    await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "wrong" } });
    await fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(screen.getByTestId("error").textContent).toContain("rejected the user name or password"));
    expect(screen.getByTestId("error").textContent).toContain("Check the user name and password");
    expect(commands.saveProfile).toHaveBeenCalledWith(expect.anything(), "wrong", null, true);
    const view = { profile: emptyProfile(), password: "keyring", demo: false, insecure: false, plaintextRemote: false };
    commands.saveProfile.mockResolvedValueOnce(view);
    await fireEvent.click(screen.getByTestId("save-anyway"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(view));
    expect(commands.saveProfile).toHaveBeenLastCalledWith(expect.anything(), "wrong", null, false);
  });

  it("reports a reachable server with its subscriber count", async () => {
    commands.validateProfile.mockResolvedValue([]);
    commands.testDraft.mockResolvedValue({ reachable: true, subscriberCount: 2, roundTripMs: 84, password: "none" });
    setup();
    await fireEvent.click(screen.getByTestId("test-draft"));
    await waitFor(() => expect(screen.getByTestId("test-result").textContent).toMatch(/2 subscribers · 84 ms/));
  });

  it("warns beside the protocol when http goes to another host", async () => {
    commands.validateProfile.mockResolvedValue([]);
    setup();
    await fireEvent.input(screen.getByLabelText("Host name"), { target: { value: "dx.example.com" } });
    expect(screen.queryByTestId("plaintext-warning")).toBeNull();
    await fireEvent.change(screen.getByLabelText("Protocol"), { target: { value: "http" } });
    const warning = await screen.findByTestId("plaintext-warning");
    expect(warning.textContent).toContain("dx.example.com");
    expect(warning.textContent).toContain("unencrypted");
    await fireEvent.input(screen.getByLabelText("Host name"), { target: { value: "127.0.0.1" } });
    await waitFor(() => expect(screen.queryByTestId("plaintext-warning")).toBeNull());
  });

  it("shows the CA file's original name and that the app keeps a copy", async () => {
    commands.validateProfile.mockResolvedValue([]);
    const p = emptyProfile();
    p.id = "p1";
    p.name = "prod";
    p.tls = { mode: "customCa", caPemPath: "/data/ca/p1.pem", caOriginal: "/home/me/corp CA.pem" };
    setup(p);
    const note = screen.getByTestId("ca-copy");
    expect(note.textContent).toContain("corp CA.pem");
    expect(note.textContent).toContain("does not affect this profile");
    await fireEvent.input(screen.getByLabelText("CA file path"), { target: { value: "/tmp/other.pem" } });
    await waitFor(() => expect(screen.getByTestId("ca-copy").textContent).toContain("kept in the app's data folder when you save"));
  });

  it("puts the file chosen in the dialog into the draft and validates it", async () => {
    commands.validateProfile.mockResolvedValue([]);
    commands.pickCaFile.mockResolvedValueOnce("/home/me/corp CA.pem");
    const p = emptyProfile();
    p.tls = { mode: "customCa", caPemPath: "", caOriginal: null };
    setup(p);
    await fireEvent.click(screen.getByTestId("choose-ca"));
    await waitFor(() => expect((screen.getByLabelText("CA file path") as HTMLInputElement).value).toBe("/home/me/corp CA.pem"));
    await waitFor(() =>
      expect(commands.validateProfile.mock.calls.at(-1)?.[0].tls).toEqual({ mode: "customCa", caPemPath: "/home/me/corp CA.pem", caOriginal: null }),
    );
  });

  it("keeps the draft when the dialog is dismissed", async () => {
    commands.validateProfile.mockResolvedValue([]);
    commands.pickCaFile.mockResolvedValueOnce(null);
    const p = emptyProfile();
    p.tls = { mode: "customCa", caPemPath: "/data/ca/p1.pem", caOriginal: "/home/me/a.pem" };
    setup(p);
    await fireEvent.click(screen.getByTestId("choose-ca"));
    await waitFor(() => expect(commands.pickCaFile).toHaveBeenCalled());
    expect((screen.getByLabelText("CA file path") as HTMLInputElement).value).toBe("/data/ca/p1.pem");
    expect(screen.getByTestId("ca-copy").textContent).toContain("a.pem");
  });

  it("closes at once on Esc when nothing changed", async () => {
    const { onCancel } = setup();
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(onCancel).toHaveBeenCalledOnce();
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("asks before discarding a changed form, on Esc and on Cancel", async () => {
    commands.validateProfile.mockResolvedValue([]);
    const { onCancel } = setup();
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "prod-author" } });
    await fireEvent.keyDown(window, { key: "Escape" });
    const dialog = await screen.findByRole("dialog", { name: "Discard changes to prod-author?" });
    expect(onCancel).not.toHaveBeenCalled();
    // Esc in the question keeps editing; the draft is still there.
    await fireEvent.keyDown(dialog, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(onCancel).not.toHaveBeenCalled();
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("prod-author");

    await fireEvent.click(screen.getByTestId("cancel"));
    await screen.findByRole("dialog");
    await fireEvent.click(screen.getByRole("button", { name: "Keep editing" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(onCancel).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId("cancel"));
    await fireEvent.click(await screen.findByRole("button", { name: "Discard" }));
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it("counts a typed password as a change", async () => {
    commands.validateProfile.mockResolvedValue([]);
    const p = emptyProfile();
    p.id = "p1";
    p.name = "prod";
    const { onCancel } = setup(p);
    await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "secret" } });
    await fireEvent.click(screen.getByTestId("cancel"));
    expect(await screen.findByRole("dialog", { name: "Discard changes to prod?" })).toBeTruthy();
    expect(onCancel).not.toHaveBeenCalled();
  });

  it("says which publisher a subscriber environment is linked to", () => {
    const onSaved = vi.fn();
    render(ProfileForm, { initial: emptyProfile(), linkedTo: "prod-author", onSaved, onCancel: vi.fn() });
    expect(screen.getByTestId("linked-publisher").textContent).toContain("prod-author");
  });

  it("lists the publisher's subscribers, each with its environment prefilled by host, and saves a link for each", async () => {
    commands.validateProfile.mockResolvedValue([]);
    const pub = { ...emptyProfile(), id: "pub", name: "prod-author", hostname: "author.example.com", dxUsername: "wpsadmin", subscriberLinks: [{ subscriberId: "blue", profileId: "env-blue" }] };
    ui.profiles = [viewFixture(pub), viewFixture({ ...emptyProfile(), id: "env-blue", name: "Render blue" }), viewFixture({ ...emptyProfile(), id: "env-green", name: "Render green" })];
    const env = (subscriberId: string, targetHost: string, over = {}) => ({ subscriberId, targetHost, profileId: null, profileName: null, source: null, offeredProfileId: null, offeredProfileName: null, ...over });
    commands.subscriberEnvironments.mockResolvedValue([
      env("blue", "render-blue.example.com", { profileId: "env-blue", profileName: "Render blue", source: "linked" }),
      env("green", "render-green.example.com", { offeredProfileId: "env-green", offeredProfileName: "Render green" }),
      env("grey", "render-grey.example.com"),
    ]);
    const { onSaved } = setup(pub);
    const green = (await screen.findByLabelText("Environment of render-green.example.com")) as HTMLSelectElement;
    expect(commands.subscriberEnvironments).toHaveBeenCalledWith("pub");
    expect((screen.getByLabelText("Environment of render-blue.example.com") as HTMLSelectElement).value).toBe("env-blue");
    expect(green.value).toBe("env-green");
    expect(green.closest("label")!.textContent).toContain("same host");
    expect((screen.getByLabelText("Environment of render-grey.example.com") as HTMLSelectElement).value).toBe("");
    // Untouched prefills need no discard question…
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    // …and are saved with the links the user picks.
    await fireEvent.change(screen.getByLabelText("Environment of render-grey.example.com"), { target: { value: "env-blue" } });
    commands.saveProfile.mockResolvedValueOnce(viewFixture(pub));
    await fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const sent = commands.saveProfile.mock.calls[0][0];
    expect(sent.subscriberLinks).toEqual(
      expect.arrayContaining([
        { subscriberId: "blue", profileId: "env-blue" },
        { subscriberId: "grey", profileId: "env-blue" },
        { subscriberId: "green", profileId: "env-green" },
      ]),
    );
    expect(sent.subscriberLinks).toHaveLength(3);
  });

  it("takes the CF level, explains the find rule in one line, and names the field when it is wrong", async () => {
    commands.validateProfile.mockResolvedValue([{ field: "dxCfLevel", message: "0 is not a CF level: give the number of the DX release's cumulative fix, like 224" }]);
    setup();
    const input = screen.getByLabelText("DX release (CF level)");
    expect(screen.getByTestId("find-rule-note").textContent).toContain("progress");
    await fireEvent.input(input, { target: { value: "CF216" } });
    expect(screen.getByTestId("find-rule-note").textContent).toContain("30 minutes");
    await waitFor(() => expect(commands.validateProfile.mock.calls.at(-1)?.[0].dxCfLevel).toBe(216));
    await fireEvent.input(input, { target: { value: "latest" } });
    await waitFor(() => expect(screen.getByTestId("field-error-dxCfLevel").textContent).toContain("not a CF level"));
    await waitFor(() => expect(commands.validateProfile.mock.calls.at(-1)?.[0].dxCfLevel).toBe(0));
  });

  it("says when the subscribers cannot be listed", async () => {
    commands.subscriberEnvironments.mockRejectedValue({ code: "password_needed", message: "no password is stored for profile prod", field: null });
    setup({ ...emptyProfile(), id: "p1", name: "prod" });
    expect((await screen.findByTestId("links-unavailable")).textContent).toContain("no password is stored");
  });
});
