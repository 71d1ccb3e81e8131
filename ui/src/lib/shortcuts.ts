// The keyboard shortcuts. The app's key handler and the `?` list are both made from the table
// returned by `appShortcuts`, so what the list says is what the keys do. Keys that a screen
// handles itself (the report viewer, tables) are listed from `SCREEN_KEYS`.

/** What an app-wide shortcut does. */
export type ShortcutAction = { kind: "screen"; screen: string } | { kind: "help" };

/** One app-wide shortcut: the key it answers to and how it is shown. */
export type Shortcut = {
  /** `KeyboardEvent.key` it answers to. */
  key: string;
  /** With Ctrl (Cmd on macOS). */
  mod: boolean;
  /** As shown: "Ctrl+1", "?". */
  keys: string;
  /** What it does, in words. */
  does: string;
  action: ShortcutAction;
};

/** A group of shortcuts as the `?` list shows them. */
export type ShortcutGroup = { title: string; items: { keys: string; does: string }[] };

/** The part of a key event the handler reads. */
export type KeyLike = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean };

/** The modifier's name on this system. */
export function modName(platform: string): string {
  return /mac|iphone|ipad/i.test(platform) ? "Cmd" : "Ctrl";
}

/**
 * The app-wide shortcuts: `mod`+1…9 open the sidebar's screens in their displayed order, `?`
 * opens the list of shortcuts.
 */
export function appShortcuts(sidebar: readonly { id: string; label: string }[], mod = "Ctrl"): Shortcut[] {
  const screens = sidebar.slice(0, 9).map((s, i): Shortcut => {
    const key = String(i + 1);
    return { key, mod: true, keys: `${mod}+${key}`, does: `Open ${s.label}`, action: { kind: "screen", screen: s.id } };
  });
  return [...screens, { key: "?", mod: false, keys: "?", does: "Show the keyboard shortcuts and Getting started", action: { kind: "help" } }];
}

/** The shortcut shown for a sidebar screen (its button's tooltip). */
export function keysFor(table: readonly Shortcut[], screen: string): string | undefined {
  return table.find((s) => s.action.kind === "screen" && s.action.screen === screen)?.keys;
}

/**
 * The action of a key press, or null. A shortcut without a modifier (`?`) does not fire while
 * the user types in a field; the Ctrl/Cmd ones do (they type nothing).
 */
export function shortcutFor(table: readonly Shortcut[], e: KeyLike, typing: boolean): ShortcutAction | null {
  if (e.altKey) return null;
  const mod = e.ctrlKey || e.metaKey;
  for (const s of table) {
    if (s.key !== e.key || s.mod !== mod) continue;
    if (s.mod && e.shiftKey) continue;
    if (!s.mod && typing) continue;
    return s.action;
  }
  return null;
}

/** True when the element takes typed text (an input, a text area, a select, an editable area). */
export function isTyping(target: unknown): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!el || typeof el.tagName !== "string") return false;
  const tag = el.tagName.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !["checkbox", "radio", "button", "submit", "reset"].includes((el.type ?? "text").toLowerCase());
  return el.isContentEditable === true;
}

/** Keys a screen handles itself, listed in the `?` list after the app-wide ones. */
export function screenKeys(mod = "Ctrl"): ShortcutGroup[] {
  return [
    {
      title: "Dialogs and forms",
      items: [
        { keys: "Esc", does: "Close a dialog; close a connection form (asks first if it changed)" },
        { keys: "Tab", does: "Move inside a dialog (focus stays in it)" },
      ],
    },
    {
      title: "Subscribers",
      items: [
        { keys: "↑ ↓", does: "Move between rows" },
        { keys: "Enter", does: "Open the subscriber's details" },
        { keys: "Esc", does: "Close the details" },
      ],
    },
    {
      title: "Operations",
      items: [
        { keys: "Enter", does: "Show or hide an operation's details" },
        { keys: "Esc", does: "In the trigger-function field: clear it" },
      ],
    },
    {
      title: "Report viewer",
      items: [
        { keys: "↑ ↓ ← →", does: "Move in the grid" },
        { keys: "Page Up/Down", does: "Move a page" },
        { keys: "Home, End", does: "First row, last row" },
        { keys: "Enter", does: "Open the row" },
        { keys: `${mod}+C`, does: "Copy the cell" },
        { keys: "/", does: "Search" },
        { keys: "Esc", does: "Close the row, else clear the filter" },
        { keys: `${mod}+E`, does: "Export" },
      ],
    },
  ];
}

/** Everything the `?` list shows: the app-wide table first, then the screens' keys. */
export function shortcutGroups(table: readonly Shortcut[], mod = "Ctrl"): ShortcutGroup[] {
  return [{ title: "Everywhere", items: table.map(({ keys, does }) => ({ keys, does })) }, ...screenKeys(mod)];
}
