import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flushSync } from "svelte";
import { runningClock } from "./clock.svelte";

describe("runningClock", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("ticks only while something runs", () => {
    const state = $state({ running: false });
    let clock: { readonly now: number } | undefined;
    const stop = $effect.root(() => {
      clock = runningClock(() => state.running);
    });
    flushSync();
    const t0 = clock!.now;
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(clock!.now).toBe(t0);

    state.running = true;
    flushSync();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(3000);
    expect(clock!.now).toBeGreaterThanOrEqual(t0 + 8000);

    state.running = false;
    flushSync();
    expect(vi.getTimerCount()).toBe(0);
    stop();
  });
});
