// Auto-refresh while visible: runs `task` now and then every `intervalMs`, pauses while the
// window is hidden, never overlaps two runs, and stops when disposed.

export interface Poller {
  /** Runs the task now (outside the schedule). */
  refresh(): Promise<void>;
  /** Stops for good. */
  stop(): void;
}

export function poll(
  task: () => Promise<void>,
  intervalMs: number,
  doc: Pick<Document, "visibilityState" | "addEventListener" | "removeEventListener"> = document,
): Poller {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let stopped = false;

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped && doc.visibilityState !== "hidden") timer = setTimeout(run, intervalMs);
  };
  const run = async () => {
    if (running || stopped) return;
    running = true;
    try {
      await task();
    } finally {
      running = false;
      schedule();
    }
  };
  const onVisibility = () => {
    if (doc.visibilityState === "hidden") clearTimeout(timer);
    else void run();
  };
  doc.addEventListener("visibilitychange", onVisibility);
  void run();
  return {
    refresh: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
      doc.removeEventListener("visibilitychange", onVisibility);
    },
  };
}
