// What the modal dialog decides without the DOM: where Tab goes, which button starts focused.

/**
 * Where Tab (or Shift+Tab) from the element at `index` goes among `count` focusable elements of
 * a dialog, or null to let the browser move (not at an edge). From outside the dialog
 * (`index` -1) focus comes back to its first (or last) element.
 */
export function trapTab(count: number, index: number, shift: boolean): number | null {
  if (count === 0) return null;
  if (index < 0) return shift ? count - 1 : 0;
  if (shift && index === 0) return count - 1;
  if (!shift && index === count - 1) return 0;
  return null;
}

export type ModalTone = "danger" | "primary";

/**
 * The button focused when a dialog opens: the safe answer (cancel) for a destructive one or a
 * disabled confirm, the confirm button otherwise.
 */
export function initialButton(tone: ModalTone, hasConfirm: boolean, disabled: boolean): "confirm" | "cancel" {
  return hasConfirm && tone === "primary" && !disabled ? "confirm" : "cancel";
}

/** The elements that take focus, in a dialog. */
export const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
