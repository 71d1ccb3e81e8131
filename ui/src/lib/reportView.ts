// The viewer's pure logic: filters and chips, the virtual grid's geometry and window pages, the
// type × action matrix. No Svelte, no Tauri: tested with Vitest.

import type { Filter, GridWindow, RecordAction, RecordType, SummaryDto, ViewSort } from "./bindings";

export const ACTIONS = ["CREATE", "UPDATE", "DELETE"] as const;

// The filter is Rust's `mismatch_report::Filter`: every field optional, an absent field meaning
// "any". Nothing here names its fields one by one, so a new field in Rust needs only its control
// in the viewer: these functions treat every list and every text alike.

/** An empty filter: keeps every row. */
export function emptyFilter(): Filter {
  return {};
}

/** A filter value that keeps every row: absent, an empty list or blank text. */
function keepsAll(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "string" && v.trim() === "");
}

/** Whether the filter keeps every row (every field absent, empty or blank). */
export function isEmptyFilter(f: Filter): boolean {
  return Object.values(f).every(keepsAll);
}

/**
 * The filter in canonical form, as Rust normalises it for its cache: fields that keep every row
 * left out, keys in order, lists sorted without repeats, text trimmed and lower-cased.
 */
export function canonicalFilter(f: Filter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = Object.entries(f).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of entries) {
    if (keepsAll(v)) continue;
    if (Array.isArray(v)) out[k] = [...new Set(v)].sort();
    else if (typeof v === "string") out[k] = v.trim().toLowerCase();
    else out[k] = v;
  }
  return out;
}

/** A stable key of filter + sort: pages of one key are never shown for another. */
export function queryKey(f: Filter, sort: ViewSort | null): string {
  return JSON.stringify([canonicalFilter(f), sort ? [sort.column, sort.descending] : null]);
}

/** The list fields of a filter, shown as chips. */
export type ChipKey = { [K in keyof Filter]-?: NonNullable<Filter[K]> extends readonly string[] ? K : never }[keyof Filter];

/** The values of a chip list (an absent list is empty). */
export function chips(f: Filter, key: ChipKey): readonly string[] {
  return f[key] ?? [];
}

/** Adds `value` to a chip set, or removes it when present. */
export function toggle(list: readonly string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/**
 * The filter with `value` added to or removed from the list `key`. Values come from the report
 * as plain strings; a DX spelling this build does not know is still valid on the wire (Rust keeps
 * it verbatim), hence the widening to `Filter`.
 */
export function toggleChip(f: Filter, key: ChipKey, value: string): Filter {
  return { ...f, [key]: toggle(chips(f, key), value) } as Filter;
}

/** Next sort when a header is clicked: ascending → descending → file order. */
export function nextSort(current: ViewSort | null, column: string): ViewSort | null {
  if (!current || current.column !== column) return { column, descending: false };
  if (!current.descending) return { column, descending: true };
  return null;
}

/** The matrix filter for a click on a cell (type, action) or a row/column header (one null). */
export function matrixFilter(f: Filter, type: string | null, action: string | null): Filter {
  const same = (a: readonly string[], v: string | null) => (v === null ? a.length === 0 : a.length === 1 && a[0] === v);
  if (same(chips(f, "types"), type) && same(chips(f, "actions"), action)) {
    return { ...f, types: [], actions: [] };
  }
  // Spellings from the report's summary (see `toggleChip` for the widening).
  return { ...f, types: type === null ? [] : [type as RecordType], actions: action === null ? [] : [action as RecordAction] };
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
  // The epsilon: `scrollTopFor(i)` scaled back may land a hair below row i's top.
  const first = Math.min(Math.floor(px / ROW_HEIGHT + 1e-7), Math.max(0, total - 1));
  return { first, shift: Math.max(0, px - first * ROW_HEIGHT) };
}

/** The scrollTop that shows row `index` at the top. */
export function scrollTopFor(index: number, g: Geometry): number {
  return (index * ROW_HEIGHT) / g.scale;
}

/** Rows fully shown at `scrollTop` in a viewport of `viewHeight`: `[from, to)`. */
export function fullyShown(scrollTop: number, total: number, viewHeight: number): [number, number] {
  const px = Math.max(0, scrollTop * geometry(total, viewHeight).scale);
  const from = Math.ceil(px / ROW_HEIGHT - 1e-7);
  const to = Math.min(total, Math.floor((px + viewHeight) / ROW_HEIGHT + 1e-7));
  return [from, Math.max(from, to)];
}

/**
 * The scrollTop that keeps row `cursor` in view when the viewport's height changes from `before`
 * to `after` (a panel or a scrollbar appearing), or `null` when the cursor was not in view
 * before (the user scrolled away: leave the scroll where it is). In a long report a pixel of
 * scroll is several rows, so without this a few pixels less of viewport push the last rows out.
 */
export function keepInView(cursor: number, scrollTop: number, total: number, before: number, after: number): number | null {
  if (before === after || total <= 0) return null;
  const [from, to] = fullyShown(scrollTop, total, before);
  if (cursor < from || cursor >= to) return null;
  const shown = Math.max(1, Math.floor(after / ROW_HEIGHT));
  // The cursor keeps its place in the view, in proportion, and the view stays within the rows.
  const above = Math.floor(((cursor - from) * shown) / Math.max(1, to - from));
  const top = Math.min(Math.max(0, cursor - Math.min(above, shown - 1)), Math.max(0, total - shown));
  const next = geometry(total, after);
  return Math.min(Math.max(0, next.scrollHeight - after), scrollTopFor(top, next));
}

/** Pages fetched ahead in the direction of scrolling. */
export const PREFETCH_PAGES = 2;

/**
 * Pages (of PAGE rows) needed to show rows [first, first + count), plus `margin` rows around
 * (half a page by default), plus [`PREFETCH_PAGES`] ahead when scrolling (`direction` 1 down,
 * -1 up, 0 still): the next windows are there before the rows reach the screen.
 */
export function pagesFor(first: number, count: number, total: number, direction: -1 | 0 | 1 = 0, margin = PAGE / 2): number[] {
  if (total <= 0 || count <= 0) return [];
  const before = direction < 0 ? PREFETCH_PAGES * PAGE : 0;
  const after = direction > 0 ? PREFETCH_PAGES * PAGE : 0;
  const lo = Math.max(0, Math.floor((first - margin - before) / PAGE));
  const hi = Math.min(Math.floor((total - 1) / PAGE), Math.floor((first + count - 1 + margin + after) / PAGE));
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) out.push(p);
  return out;
}

/** A row of the grid: its row number in the file and its cells in column order. Made only for
 * the rows on screen (and a copy's rows): windows arrive column by column. */
export interface GridRow {
  index: number;
  cells: string[];
}

/** Rows as a window brings them from Rust: column by column (`GridWindow`). */
export type Page = Pick<GridWindow, "indexes" | "columns">;

/**
 * The rows already made of each page, kept with the page: a row is made once, so a page that
 * arrives redraws only its own rows (the grid's keyed rows see the same objects for the others).
 */
const madeRows = new WeakMap<Page, (GridRow | undefined)[]>();

/** Row `k` of a page, or `null` past its end; the same object on every call for one page. */
export function rowOf(page: Page, k: number): GridRow | null {
  const index = page.indexes[k];
  if (index === undefined) return null;
  let made = madeRows.get(page);
  if (!made) {
    made = [];
    madeRows.set(page, made);
  }
  return (made[k] ??= { index, cells: page.columns.map((c) => c[k] ?? "") });
}

/** Every row of a page. */
export function rowsOf(page: Page): GridRow[] {
  return page.indexes.map((_, k) => rowOf(page, k)!);
}

/** Rows [first, first + count) from cached pages; `null` where a page is not loaded yet. */
export function rowsFrom(pages: Map<number, Page>, first: number, count: number, total: number): (GridRow | null)[] {
  const out: (GridRow | null)[] = [];
  const end = Math.min(total, first + count);
  for (let i = first; i < end; i++) {
    const page = pages.get(Math.floor(i / PAGE));
    out.push(page ? rowOf(page, i % PAGE) : null);
  }
  return out;
}

/**
 * Consecutive pages grouped into runs `[first, last]` of at most `maxPages` pages: each run is
 * fetched as one window, so the rows of two pages cost one request, not two.
 */
export function pageRuns(pages: readonly number[], maxPages: number): [number, number][] {
  const sorted = [...new Set(pages)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const p of sorted) {
    const last = runs[runs.length - 1];
    if (last && p === last[1] + 1 && p - last[0] < maxPages) last[1] = p;
    else runs.push([p, p]);
  }
  return runs;
}

/** A window of the pages `first`..`first + n - 1` split into its pages (the last may be short). */
export function splitPages(w: Page, first: number): Map<number, Page> {
  const out = new Map<number, Page>();
  for (let k = 0; k < w.indexes.length; k += PAGE) {
    out.set(first + k / PAGE, { indexes: w.indexes.slice(k, k + PAGE), columns: w.columns.map((c) => c.slice(k, k + PAGE)) });
  }
  return out;
}

/** Keeps at most `keep` pages, those nearest to `center`. */
export function trimPages(pages: Map<number, unknown>, center: number, keep = 40): void {
  if (pages.size <= keep) return;
  const byDistance = [...pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
  for (const p of byDistance.slice(0, pages.size - keep)) pages.delete(p);
}
