import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { poll } from "./poll";

class FakeDoc {
  visibilityState: DocumentVisibilityState = "visible";
  listeners: (() => void)[] = [];
  addEventListener(_: string, f: () => void) {
    this.listeners.push(f);
  }
  removeEventListener(_: string, f: () => void) {
    this.listeners = this.listeners.filter((l) => l !== f);
  }
  set(state: DocumentVisibilityState) {
    this.visibilityState = state;
    this.listeners.forEach((l) => l());
  }
}

describe("poll", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs now, then on schedule, pauses while hidden and stops", async () => {
    const doc = new FakeDoc();
    const task = vi.fn(async () => {});
    const p = poll(task, 1000, doc as unknown as Document);
    await vi.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    doc.set("hidden");
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(2);
    doc.set("visible");
    await vi.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(3);
    p.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(3);
    expect(doc.listeners).toHaveLength(0);
  });

  it("never overlaps two runs", async () => {
    const doc = new FakeDoc();
    let release: () => void = () => {};
    const task = vi.fn(() => new Promise<void>((r) => (release = r)));
    const p = poll(task, 100, doc as unknown as Document);
    await vi.advanceTimersByTimeAsync(1000);
    void p.refresh();
    expect(task).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(task).toHaveBeenCalledTimes(2);
    p.stop();
  });
});
