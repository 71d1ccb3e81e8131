// The viewer's pure logic: filters and chips, the virtual grid's geometry and window pages, the
// type × action matrix. No Svelte, no Tauri: tested with Vitest.

import type { GridRow, SummaryDto, ViewFilter, ViewSort } from "./bindings";

export const ACTIONS = ["CREATE", "UPDATE", "DELETE"] as const;

/** An empty filter. */
export function emptyFilter(): ViewFilter {
  return { types: [], actions: [], subscribers: [], text: "" };
}

export function isEmptyFilter(f: ViewFilter): boolean {
  return f.types.length === 0 && f.actions.length === 0 && f.subscribers.length === 0 && f.text.trim() === "";
}

/** Adds `value` to a chip set, or removes it when present. */
export function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/** A stable key of filter + sort: pages of one key are never shown for another. */
export function queryKey(f: ViewFilter, sort: ViewSort | null): string {
  const norm = (xs: string[]) => [...xs].sort().join("\u0001");
  return [norm(f.types), norm(f.actions), norm(f.subscribers), f.text.trim().toLowerCase(), sort ? `${sort.column}:${sort.descending ? "d" : "a"}` : ""].join("\u0002");
}

/** Next sort when a header is clicked: ascending → descending → file order. */
export function nextSort(current: ViewSort | null, column: string): ViewSort | null {
  if (!current || current.column !== column) return { column, descending: false };
  if (!current.descending) return { column, descending: true };
  return null;
}

/** The matrix filter for a click on a cell (type, action) or a row/column header (one null). */
export function matrixFilter(f: ViewFilter, type: string | null, action: string | null): ViewFilter {
  const same = (a: string[], v: string | null) => (v === null ? a.length === 0 : a.length === 1 && a[0] === v);
  if (same(f.types, type) && same(f.actions, action)) {
    return { ...f, types: [], actions: [] };
  }
  return { ...f, types: type === null ? [] : [type], actions: action === null ? [] : [action] };
}

export interface MatrixRow {
  type: string;
  counts: Record<string, number>;
  total: number;
}

export interface Matrix {
  actions: string[];
  rows: MatrixRow[];
  max: number;
  total: number;
}

/** Rows = record types (in the summary's order), columns = actions (CREATE, UPDATE, DELETE, then others). */
export function buildMatrix(s: SummaryDto): Matrix {
  const actions: string[] = [...ACTIONS];
  const rows: MatrixRow[] = [];
  const byType = new Map<string, MatrixRow>();
  for (const c of s.cells) {
    if (!actions.includes(c.recordAction)) actions.push(c.recordAction);
    let r = byType.get(c.recordType);
    if (!r) {
      r = { type: c.recordType, counts: {}, total: 0 };
      byType.set(c.recordType, r);
      rows.push(r);
    }
    r.counts[c.recordAction] = (r.counts[c.recordAction] ?? 0) + c.count;
    r.total += c.count;
  }
  const max = rows.reduce((m, r) => Math.max(m, r.total), 0);
  return { actions, rows, max, total: s.total };
}

/** Counts for a resync confirmation: DELETEs first (they remove data on the subscriber). */
export function resyncPlan(s: SummaryDto): { action: string; type: string; count: number }[] {
  const order = (a: string) => (a === "DELETE" ? 0 : a === "CREATE" ? 1 : a === "UPDATE" ? 2 : 3);
  return s.cells
    .map((c) => ({ action: c.recordAction, type: c.recordType, count: c.count }))
    .sort((a, b) => order(a.action) - order(b.action) || b.count - a.count || a.type.localeCompare(b.type));
}

// ---- the virtual grid ----

export const ROW_HEIGHT = 26;
/** Tallest scroll area used; longer reports scroll proportionally (browsers cap element heights). */
export const MAX_SCROLL_PX = 8_000_000;
export const PAGE = 100;

export interface Geometry {
  /** Height of the scroll area. */
  scrollHeight: number;
  /** Row pixels per scroll pixel (1 unless the report is very long). */
  scale: number;
}

export function geometry(total: number, viewHeight: number): Geometry {
  const full = total * ROW_HEIGHT;
  if (full <= MAX_SCROLL_PX) return { scrollHeight: full, scale: 1 };
  const scale = (full - viewHeight) / Math.max(1, MAX_SCROLL_PX - viewHeight);
  return { scrollHeight: MAX_SCROLL_PX, scale };
}

/** The first row shown at `scrollTop`, and how many pixels of it are scrolled off. */
export function firstRow(scrollTop: number, g: Geometry, total: number): { first: number; shift: number } {
  const px = Math.max(0, scrollTop * g.scale);
  const first = Math.min(Math.floor(px / ROW_HEIGHT), Math.max(0, total - 1));
  return { first, shift: px - first * ROW_HEIGHT };
}

/** The scrollTop that shows row `index` at the top. */
export function scrollTopFor(index: number, g: Geometry): number {
  return (index * ROW_HEIGHT) / g.scale;
}

/** Pages (of PAGE rows) needed to show rows [first, first + count), plus one page around. */
export function pagesFor(first: number, count: number, total: number): number[] {
  if (total <= 0) return [];
  const lo = Math.max(0, Math.floor((first - PAGE / 2) / PAGE));
  const hi = Math.min(Math.floor((total - 1) / PAGE), Math.floor((first + count + PAGE / 2) / PAGE));
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) out.push(p);
  return out;
}

/** Rows [first, first + count) from cached pages; `null` where a page is not loaded yet. */
export function rowsFrom(pages: Map<number, GridRow[]>, first: number, count: number, total: number): (GridRow | null)[] {
  const out: (GridRow | null)[] = [];
  const end = Math.min(total, first + count);
  for (let i = first; i < end; i++) {
    const page = pages.get(Math.floor(i / PAGE));
    out.push(page ? page[i % PAGE] ?? null : null);
  }
  return out;
}

/** Keeps at most `keep` pages, those nearest to `center`. */
export function trimPages(pages: Map<number, GridRow[]>, center: number, keep = 40): void {
  if (pages.size <= keep) return;
  const byDistance = [...pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
  for (const p of byDistance.slice(0, pages.size - keep)) pages.delete(p);
}
