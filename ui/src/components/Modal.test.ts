import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";

import Modal from "./Modal.svelte";

const body = createRawSnippet(() => ({ render: () => "<p>2 records will change.</p>" }));

function setup(props: Record<string, unknown> = {}) {
  const onConfirm = vi.fn();
  const onCancel = vi.fn();
  render(Modal, { title: "Resync render-eu?", confirmLabel: "Resync 2 records", children: body, onConfirm, onCancel, ...props });
  return { onConfirm, onCancel, dialog: screen.getByRole("dialog") };
}

describe("Modal", () => {
  afterEach(() => cleanup());

  it("is a labelled modal dialog with its body and a confirm button that repeats the verb", async () => {
    const { dialog, onConfirm } = setup();
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(screen.getByRole("dialog", { name: "Resync render-eu?" })).toBe(dialog);
    expect(document.getElementById(dialog.getAttribute("aria-describedby")!)?.textContent).toBe("2 records will change.");
    await fireEvent.click(screen.getByRole("button", { name: "Resync 2 records" }));
    expect(onConfirm).toHaveBeenCalledOnce();
  });

  it("cancels on Esc, and the page under it does not see the key", async () => {
    const outside = vi.fn();
    window.addEventListener("keydown", outside);
    const { dialog, onCancel, onConfirm } = setup();
    await fireEvent.keyDown(dialog, { key: "Escape" });
    window.removeEventListener("keydown", outside);
    expect(onCancel).toHaveBeenCalledOnce();
    expect(onConfirm).not.toHaveBeenCalled();
    expect(outside).not.toHaveBeenCalled();
  });

  it("keeps focus inside: Tab wraps at both ends", async () => {
    const { dialog } = setup({ tone: "primary" });
    const confirm = screen.getByTestId("modal-confirm");
    const cancel = screen.getByTestId("modal-cancel");
    expect(document.activeElement).toBe(confirm);
    cancel.focus();
    await fireEvent.keyDown(dialog, { key: "Tab" });
    expect(document.activeElement).toBe(confirm);
    await fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(cancel);
  });

  it("brings focus back when it leaves the dialog", async () => {
    const outside = document.createElement("button");
    document.body.append(outside);
    setup({ tone: "danger" });
    outside.focus();
    expect(document.activeElement).toBe(screen.getByTestId("modal-confirm"));
    outside.remove();
  });

  it("starts on cancel for a destructive action", () => {
    setup({ tone: "danger", cancelLabel: "Keep editing" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Keep editing" }));
  });

  it("shows why the confirm button is disabled", async () => {
    const { onConfirm } = setup({ disabled: true, reason: "A find is running on render-eu." });
    const confirm = screen.getByTestId("modal-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    const reason = screen.getByTestId("modal-reason");
    expect(reason.textContent).toBe("A find is running on render-eu.");
    expect(confirm.getAttribute("aria-describedby")).toBe(reason.id);
    await fireEvent.click(confirm);
    expect(onConfirm).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(screen.getByTestId("modal-cancel"));
  });

  it("has only a close button without a confirm label", async () => {
    const { onCancel } = setup({ confirmLabel: null, cancelLabel: "Close" });
    expect(screen.queryByTestId("modal-confirm")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it("leaves focus to the topmost of two dialogs", () => {
    render(Modal, { title: "Below", confirmLabel: "Discard", testid: "below", onCancel: vi.fn() });
    render(Modal, { title: "Above", confirmLabel: null, cancelLabel: "Close", testid: "above", onCancel: vi.fn() });
    expect(document.activeElement).toBe(screen.getByTestId("above-cancel"));
  });
});
