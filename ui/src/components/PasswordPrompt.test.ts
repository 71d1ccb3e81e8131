import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

const commands = vi.hoisted(() => ({
  setPassword: vi.fn(),
  listProfiles: vi.fn(),
}));
vi.mock("../lib/bindings", () => ({ commands }));

import PasswordPrompt from "./PasswordPrompt.svelte";

describe("PasswordPrompt", () => {
  afterEach(() => cleanup());

  it("stores the password for the profile, then reconnects", async () => {
    commands.setPassword.mockResolvedValue("memory");
    commands.listProfiles.mockResolvedValue([]);
    const onDone = vi.fn();
    render(PasswordPrompt, { profileId: "p1", onDone });
    await fireEvent.input(screen.getByLabelText(/Password for/), { target: { value: "s3cret" } });
    await fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(commands.setPassword).toHaveBeenCalledWith("p1", "s3cret");
  });

  it("shows the keyring's refusal and stays open", async () => {
    commands.setPassword.mockRejectedValue({ code: "keyring", message: "the keyring refused the password: denied", field: null });
    const onDone = vi.fn();
    render(PasswordPrompt, { profileId: "p1", onDone });
    await fireEvent.input(screen.getByLabelText(/Password for/), { target: { value: "x" } });
    await fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    await waitFor(() => expect(screen.getByTestId("error").textContent).toContain("refused"));
    expect(onDone).not.toHaveBeenCalled();
  });
});
