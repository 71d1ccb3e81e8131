// The runs the app knows, kept fresh by the `run-progress` event from Rust.

import { listen } from "@tauri-apps/api/event";
import { api, asAppError, type AppError, type RunView } from "./api";
import { noteConnection, ui } from "./app.svelte";

export const runs = $state({
  list: [] as RunView[],
  loaded: false,
  error: null as AppError | null,
  /** The journey shown in the wizard. */
  journey: null as string | null,
});

let listening = false;

function upsert(v: RunView): void {
  const i = runs.list.findIndex((r) => r.runId === v.runId);
  if (i >= 0) runs.list[i] = v;
  else runs.list = [v, ...runs.list];
}

export async function loadRuns(): Promise<void> {
  try {
    runs.list = await api.listRuns(null);
    runs.error = null;
  } catch (e) {
    runs.error = asAppError(e);
  } finally {
    runs.loaded = true;
  }
}

/** Starts listening to run progress (once). */
export async function watchRuns(): Promise<void> {
  if (listening) return;
  listening = true;
  await listen<RunView>("run-progress", (e) => {
    upsert(e.payload);
    // A run being watched without a problem talks to its publisher: the connection works.
    const r = e.payload;
    if (r.profileId === ui.selectedId && r.watching && !r.problem && ui.connection.state !== "ok") noteConnection(true, 0);
  });
  await loadRuns();
}

/** Starts runs and shows the first one's wizard. */
export async function startRuns(profileId: string, subscriberIds: string[], kind: "find" | "resync" | "verify", journeyId: string | null = null, previousReport: string | null = null, clearStaleLogs: boolean | null = null): Promise<RunView[]> {
  const started = await api.startRuns({ profileId, subscriberIds, kind, journeyId, previousReport, clearStaleLogs });
  for (const v of started) upsert(v);
  if (started[0]) runs.journey = started[0].journeyId;
  return started;
}

export function runsOfJourney(id: string | null): RunView[] {
  return id ? runs.list.filter((r) => r.journeyId === id) : [];
}

/** Runs being watched or queued now. */
export function activeRuns(): RunView[] {
  return runs.list.filter((r) => !r.done && (r.watching || r.queued));
}
