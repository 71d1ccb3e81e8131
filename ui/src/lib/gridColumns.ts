// The grid's column layout: which of the report's columns are shown, in which order, how wide.
// Pure: the grid and the viewer keep one `ColumnLayout` in state and replace it with these.

import type { ColumnDto } from "./bindings";

/** One column of the layout, keyed by the report's column key (`recordId`, `extra:0`, …). */
export interface ColumnSetting {
  key: string;
  /** Width in CSS pixels. */
  width: number;
  visible: boolean;
}

/** Every column of the report, in display order (hidden ones keep their place). */
export type ColumnLayout = ColumnSetting[];

export const MIN_WIDTH = 48;
export const MAX_WIDTH = 1200;

/** Shown when a report is first opened, in this order; the others are listed hidden. */
export const DEFAULT_SHOWN = ["recordType", "recordAction", "recordId", "name", "collectionId", "subscriberId", "created"];

const DEFAULT_WIDTHS: Record<string, number> = {
  recordType: 130,
  recordAction: 88,
  recordId: 130,
  collectionId: 130,
  subscriberId: 130,
  logId: 130,
  publisherHash: 130,
  subscriberHash: 130,
  name: 240,
  created: 170,
};

export function defaultWidth(key: string): number {
  return DEFAULT_WIDTHS[key] ?? 140;
}

export function clampWidth(w: number): number {
  return Math.round(Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, Number.isFinite(w) ? w : MIN_WIDTH)));
}

/** The layout of a report opened for the first time. */
export function defaultLayout(columns: readonly ColumnDto[]): ColumnLayout {
  const keys = columns.map((c) => c.key);
  const shown = DEFAULT_SHOWN.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !shown.includes(k));
  return [
    ...shown.map((key) => ({ key, width: defaultWidth(key), visible: true })),
    ...rest.map((key) => ({ key, width: defaultWidth(key), visible: false })),
  ];
}

/**
 * A remembered layout made to fit the report's columns: unknown keys dropped, repeats dropped,
 * the report's other columns appended hidden, widths clamped; the default when nothing would show.
 */
export function reconcile(saved: readonly ColumnSetting[] | null | undefined, columns: readonly ColumnDto[]): ColumnLayout {
  if (!saved) return defaultLayout(columns);
  const keys = new Set(columns.map((c) => c.key));
  const seen = new Set<string>();
  const out: ColumnLayout = [];
  for (const s of saved) {
    if (!s || typeof s.key !== "string" || !keys.has(s.key) || seen.has(s.key)) continue;
    seen.add(s.key);
    out.push({ key: s.key, width: clampWidth(Number(s.width)), visible: s.visible === true });
  }
  for (const c of columns) if (!seen.has(c.key)) out.push({ key: c.key, width: defaultWidth(c.key), visible: false });
  return out.some((c) => c.visible) ? out : defaultLayout(columns);
}

/** The shown columns' settings, in order. */
export function visibleColumns(layout: readonly ColumnSetting[]): ColumnSetting[] {
  return layout.filter((c) => c.visible);
}

/** The shown columns that the report has, in display order: each setting with its index into `columns`. */
function shownCells(layout: readonly ColumnSetting[], columns: readonly ColumnDto[]): { setting: ColumnSetting; index: number }[] {
  return visibleColumns(layout)
    .map((setting) => ({ setting, index: columns.findIndex((c) => c.key === setting.key) }))
    .filter((s) => s.index >= 0);
}

/** Indexes into `columns` of the shown columns, in display order. */
export function shownIndexes(layout: readonly ColumnSetting[], columns: readonly ColumnDto[]): number[] {
  return shownCells(layout, columns).map((s) => s.index);
}

/**
 * The `flex` of each shown column's cells, aligned with `shownIndexes`: its width, the last one
 * also taking the room left (as the header's `template` does). Rows are flex boxes of fixed-width
 * cells, which a browser lays out far faster than a grid per row at every scroll.
 */
export function cellFlexes(layout: readonly ColumnSetting[], columns: readonly ColumnDto[]): string[] {
  const shown = shownCells(layout, columns);
  return shown.map(({ setting }, i) => `${i === shown.length - 1 ? 1 : 0} 0 ${setting.width}px`);
}

/** Shows or hides a column; the last shown column stays shown. */
export function toggleColumn(layout: readonly ColumnSetting[], key: string): ColumnLayout {
  const target = layout.find((c) => c.key === key);
  if (!target) return [...layout];
  if (target.visible && visibleColumns(layout).length <= 1) return [...layout];
  return layout.map((c) => (c.key === key ? { ...c, visible: !c.visible } : c));
}

export function resizeColumn(layout: readonly ColumnSetting[], key: string, width: number): ColumnLayout {
  return layout.map((c) => (c.key === key ? { ...c, width: clampWidth(width) } : c));
}

/**
 * Moves a shown column to position `to` among the shown columns (0 = first); hidden columns keep
 * their places relative to their neighbours.
 */
export function moveColumn(layout: readonly ColumnSetting[], key: string, to: number): ColumnLayout {
  const shown = visibleColumns(layout);
  const from = shown.findIndex((c) => c.key === key);
  if (from < 0) return [...layout];
  const target = Math.max(0, Math.min(shown.length - 1, to));
  if (target === from) return [...layout];
  const moving = shown[from];
  const rest = layout.filter((c) => c.key !== key);
  const othersShown = shown.filter((c) => c.key !== key);
  // Insert before the shown column now at `target`, or after the last shown one.
  const anchor = othersShown[target];
  const at = anchor ? rest.indexOf(anchor) : rest.indexOf(othersShown[othersShown.length - 1]) + 1;
  return [...rest.slice(0, at), moving, ...rest.slice(at)];
}

/** Moves a shown column one place left (-1) or right (+1). */
export function nudgeColumn(layout: readonly ColumnSetting[], key: string, delta: number): ColumnLayout {
  const from = visibleColumns(layout).findIndex((c) => c.key === key);
  return from < 0 ? [...layout] : moveColumn(layout, key, from + delta);
}

/**
 * Where a header dragged to `x` lands: the index among the shown columns whose middle is the
 * first to the right of `x` (so dropping on a column's left half puts it before that column).
 * `edges` are the shown columns' [left, width] in the same coordinates; `from` is the dragged one.
 */
export function dropIndex(edges: readonly (readonly [number, number])[], x: number, from: number): number {
  let slot = edges.length;
  for (let i = 0; i < edges.length; i++) {
    const [left, width] = edges[i];
    if (x < left + width / 2) {
      slot = i;
      break;
    }
  }
  // Slots count gaps before each column; removing the dragged one shifts those after it.
  return slot > from ? slot - 1 : slot;
}

/** CSS `grid-template-columns` for the shown columns: fixed widths, the last one also fills. */
export function template(layout: readonly ColumnSetting[]): string {
  const shown = visibleColumns(layout);
  return shown.map((c, i) => (i === shown.length - 1 ? `minmax(${c.width}px, 1fr)` : `${c.width}px`)).join(" ");
}

/** The shown columns' total width in pixels. */
export function totalWidth(layout: readonly ColumnSetting[]): number {
  return visibleColumns(layout).reduce((s, c) => s + c.width, 0);
}
