// The report open in the viewer (or the comparison of two), and opening one with progress.

import { Channel } from "@tauri-apps/api/core";
import { api, asAppError, type AppError, type ComparisonDto, type LoadProgressDto, type ReportInfoDto } from "./api";
import { perf } from "./perf";

export type Side = "onlyA" | "onlyB" | "both";

export const viewer = $state({
  report: null as ReportInfoDto | null,
  comparison: null as ComparisonDto | null,
  side: "onlyB" as Side,
  loading: null as { path: string; loadId: string; progress: LoadProgressDto | null } | null,
  error: null as AppError | null,
});

function closeCurrent(): void {
  const handles = viewer.comparison
    ? [viewer.comparison.onlyA.handle, viewer.comparison.onlyB.handle, viewer.comparison.both.handle]
    : viewer.report
      ? [viewer.report.handle]
      : [];
  for (const h of handles) void api.closeReport(h).catch(() => {});
  viewer.report = null;
  viewer.comparison = null;
}

/** Opens a report file in the viewer; resolves when loaded, cancelled or failed. */
export async function openReportFile(path: string): Promise<void> {
  if (viewer.loading) return;
  const loadId = crypto.randomUUID();
  viewer.error = null;
  viewer.loading = { path, loadId, progress: null };
  perf.openAt = performance.now();
  perf.openMs = undefined;
  const ch = new Channel<LoadProgressDto>();
  ch.onmessage = (p) => {
    if (viewer.loading?.loadId === loadId) viewer.loading.progress = p;
  };
  try {
    const info = await api.openReport(path, loadId, ch);
    closeCurrent();
    viewer.report = info;
  } catch (e) {
    const err = asAppError(e);
    if (err.code !== "cancelled") viewer.error = err;
  } finally {
    viewer.loading = null;
  }
}

export async function cancelLoad(): Promise<void> {
  if (viewer.loading) await api.cancelReportLoad(viewer.loading.loadId);
}

/** Compares two reports and shows one side. */
export async function openComparison(pathA: string, pathB: string, side: Side = "onlyB"): Promise<void> {
  viewer.error = null;
  viewer.loading = { path: `${pathA} ↔ ${pathB}`, loadId: "", progress: null };
  try {
    const c = await api.compareReports(pathA, pathB);
    closeCurrent();
    viewer.comparison = c;
    viewer.side = side;
    viewer.report = c[side];
  } catch (e) {
    viewer.error = asAppError(e);
  } finally {
    viewer.loading = null;
  }
}

export function showSide(side: Side): void {
  if (!viewer.comparison) return;
  viewer.side = side;
  viewer.report = viewer.comparison[side];
}

export function closeViewer(): void {
  closeCurrent();
}
