// A clock for the elapsed times shown beside runs: it ticks once a second only while something
// is running, so an idle app has no timer waking it (and repaints nothing).

/** The current time, updated every second while `running()` is true (call from a component). */
export function runningClock(running: () => boolean): { readonly now: number } {
  const clock = $state({ now: Date.now() });
  $effect(() => {
    if (!running()) return;
    clock.now = Date.now();
    const timer = setInterval(() => (clock.now = Date.now()), 1000);
    return () => clearInterval(timer);
  });
  return clock;
}
