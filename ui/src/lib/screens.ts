// The screens, each loaded on demand: the first frame needs only the frame around them, and the
// rest of the code arrives while the user reads it (`preloadScreens`).

import type { Component } from "svelte";
import type { Screen } from "./app.svelte";

type Loader = () => Promise<{ default: Component }>;

/** Each screen's module, fetched the first time it is shown. */
export const screenLoaders: Record<Screen, Loader> = {
  subscribers: () => import("../screens/Subscribers.svelte"),
  runs: () => import("../screens/Runs.svelte"),
  reports: () => import("../screens/Reports.svelte"),
  operations: () => import("../screens/Operations.svelte"),
  profiles: () => import("../screens/Profiles.svelte"),
  fleet: () => import("../screens/Fleet.svelte"),
  journal: () => import("../screens/Journal.svelte"),
  guide: () => import("../screens/Guide.svelte"),
};

/** Loads `screen`'s component into `into`, once. */
export async function loadScreen(screen: Screen, into: Partial<Record<Screen, Component>>): Promise<void> {
  if (!into[screen]) into[screen] = (await screenLoaders[screen]()).default;
}

/** Loads every screen when the webview is idle (after the first frame), so that a click on the
 * sidebar never waits for a module. */
export function preloadScreens(into: Partial<Record<Screen, Component>>): void {
  const idle = (f: () => void) =>
    typeof requestIdleCallback === "function" ? requestIdleCallback(f, { timeout: 2000 }) : setTimeout(f, 200);
  idle(() => {
    for (const s of Object.keys(screenLoaders) as Screen[]) void loadScreen(s, into);
  });
}
