// Shared UI state: the profiles, the selected one, the screen, the connection indicator.

import { api, asAppError, type AppError, type AppInfo, type Environment, type KeyringStatus, type OperationStatus, type ProfileView } from "./api";

/**
 * What the Operations screen shows when another screen opens it ("Show them in Operations"):
 * `subscriberId` says whose environment "subscriber" is.
 */
export type OperationsQuery = { environment: Environment; statuses: OperationStatus[]; prefix: string; subscriberId?: string | null };

/** The sidebar's screens, and the Getting started guide (opened from Welcome, Profiles or the `?` list). */
export type Screen = "subscribers" | "runs" | "reports" | "operations" | "profiles" | "fleet" | "journal" | "guide";

export const ui = $state({
  loading: true,
  info: null as AppInfo | null,
  /** The OS keyring's state, asked after the first frame (`null` until it answers). */
  keyring: null as KeyringStatus | null,
  profiles: [] as ProfileView[],
  selectedId: null as string | null,
  screen: "subscribers" as Screen,
  /** Last result of talking to the selected profile. */
  connection: { state: "unknown" as "unknown" | "ok" | "error", ms: 0, message: "" },
  fatal: null as AppError | null,
  /** Set by a link to the Operations screen; taken by that screen when it opens. */
  operationsQuery: null as OperationsQuery | null,
  /** Set by "Add a connection" so Profiles opens the form. */
  newProfileRequested: false,
});

/** The demo's publisher: the demo profile that links its subscribers to environments. */
function isDemoPublisher(p: ProfileView): boolean {
  return p.demo && (p.profile.subscriberLinks.length > 0 || p.profile.subscriberProfileId !== null);
}

export function selectedProfile(): ProfileView | null {
  return ui.profiles.find((p) => p.profile.id === ui.selectedId) ?? null;
}

export function profileById(id: string | null | undefined): ProfileView | null {
  return ui.profiles.find((p) => p.profile.id === id) ?? null;
}

export async function loadProfiles(): Promise<void> {
  ui.profiles = await api.listProfiles();
  if (!ui.selectedId || !profileById(ui.selectedId)) {
    const remembered = ui.info?.selectedProfileId;
    ui.selectedId = profileById(remembered)?.profile.id ?? ui.profiles[0]?.profile.id ?? null;
  }
}

export async function boot(): Promise<void> {
  try {
    ui.info = await api.appInfo();
    await loadProfiles();
    if (ui.info.demo) {
      const pub = ui.profiles.find(isDemoPublisher);
      if (pub) ui.selectedId = pub.profile.id;
    }
    if (ui.profiles.length > 0 && !ui.selectedId) ui.screen = "profiles";
  } catch (e) {
    ui.fatal = asAppError(e);
  } finally {
    ui.loading = false;
  }
  // After the first frame: a Secret Service slow to answer never delays the window.
  void checkKeyring();
}

/** Asks whether the OS keyring works (after the first frame). */
export async function checkKeyring(): Promise<void> {
  try {
    ui.keyring = await api.keyringStatus();
  } catch (e) {
    ui.keyring = { available: false, reason: asAppError(e).message };
  }
}

/** Whether the keyring is known not to work (unknown counts as working: it is asked at start). */
export function keyringDown(): boolean {
  return ui.keyring !== null && !ui.keyring.available;
}

/** Screens that ask the selected connection's server as they refresh (their answers set the header). */
const ASKS_ITS_SERVER: ReadonlySet<Screen> = new Set(["subscribers", "runs", "operations"]);

export async function selectProfile(id: string): Promise<void> {
  ui.selectedId = id;
  ui.connection = { state: "unknown", ms: 0, message: "" };
  // On a screen that works from the library or the journal, the header still says whether the
  // newly selected connection answers.
  if (!ASKS_ITS_SERVER.has(ui.screen)) void checkConnection(id);
  try {
    await api.selectProfile(id);
  } catch {
    // Remembering the choice is a convenience; the selection works without it.
  }
}

/** Signs in to connection `id`'s server once and shows the answer in the header (if still selected). */
export async function checkConnection(id: string): Promise<void> {
  try {
    const report = await api.testConnection(id, null);
    if (ui.selectedId === id) noteConnection(true, report.roundTripMs);
  } catch (e) {
    if (ui.selectedId === id) noteConnection(false, 0, asAppError(e).message);
  }
}

/**
 * After a connection is saved: reloads the list and, for a new connection, selects it (the one
 * the user just made is the one they mean to use).
 */
export async function afterSave(saved: ProfileView, wasNew: boolean): Promise<void> {
  await loadProfiles();
  if (wasNew || !ui.selectedId) await selectProfile(saved.profile.id);
}

/** Opens the Operations screen filtered (the failed sync operations of the subscriber, say). */
export function openOperations(query: OperationsQuery): void {
  ui.operationsQuery = query;
  ui.screen = "operations";
}

/** Opens the Getting started guide. */
export function openGuide(): void {
  ui.newProfileRequested = false;
  ui.screen = "guide";
}

export async function startDemo(): Promise<void> {
  ui.profiles = await api.startDemo();
  ui.info = await api.appInfo();
  const pub = ui.profiles.find(isDemoPublisher);
  if (pub) ui.selectedId = pub.profile.id;
  ui.screen = "subscribers";
}

export function noteConnection(ok: boolean, ms: number, message = ""): void {
  ui.connection = { state: ok ? "ok" : "error", ms, message };
}
