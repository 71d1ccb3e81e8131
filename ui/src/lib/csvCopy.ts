// Selected rows as CSV text for the clipboard (RFC 4180: CRLF lines, fields quoted when they hold
// a comma, a quote, a line break or edge spaces; quotes doubled). Values are copied as the report
// holds them (full ids, ISO times), not as the grid shortens them.

import type { GridRow } from "./reportView";
import { windowsFor, selectedCount, type RowSelection } from "./rowSelection";

/** Most rows one copy fetches and puts on the clipboard; more is a job for Export. */
export const COPY_CAP = 10_000;

export function csvField(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A header line and one line per row, each ending in CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",") + "\r\n").join("");
}

export type FetchWindow = (offset: number, limit: number) => Promise<GridRow[]>;

export type CopyResult =
  | { kind: "ok"; text: string; rows: number }
  | { kind: "tooMany"; selected: number; cap: number }
  | { kind: "empty" };

/**
 * The CSV of the selected rows (positions in the filtered rows), the shown columns only (`shown`
 * indexes into each row's cells, `header` their labels). Rows are read with `fetch`, at most
 * `maxWindow` a call; a selection above `cap` is refused without fetching.
 */
export async function selectionCsv(
  sel: RowSelection,
  header: readonly string[],
  shown: readonly number[],
  fetch: FetchWindow,
  maxWindow: number,
  cap = COPY_CAP,
): Promise<CopyResult> {
  const selected = selectedCount(sel);
  if (selected === 0) return { kind: "empty" };
  if (selected > cap) return { kind: "tooMany", selected, cap };
  const lines: string[][] = [];
  for (const w of windowsFor(sel, maxWindow)) {
    const rows = await fetch(w.offset, w.limit);
    for (const r of rows.slice(0, w.limit)) lines.push(shown.map((i) => r.cells[i] ?? ""));
  }
  return { kind: "ok", text: toCsv(header, lines), rows: lines.length };
}
