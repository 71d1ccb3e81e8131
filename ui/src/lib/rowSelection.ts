// Selected rows of the grid, as positions within the filtered, sorted rows. Kept as sorted,
// disjoint, inclusive ranges so that "every row" of a million-row report costs one range.

export type Range = readonly [number, number];

export interface RowSelection {
  /** Sorted, disjoint, non-adjacent inclusive ranges. */
  ranges: Range[];
  /** Where a Shift range starts. */
  anchor: number;
}

export const EMPTY: RowSelection = { ranges: [], anchor: 0 };

/** Sorts and merges overlapping or adjacent ranges. */
export function normalise(ranges: readonly Range[]): Range[] {
  const sorted = ranges
    .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as Range)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** A plain click: only row `i`. */
export function selectOne(i: number): RowSelection {
  return { ranges: [[i, i]], anchor: i };
}

/**
 * Shift+click or Shift+arrow: the range from the anchor to `i`, added to what `keep` held
 * (Ctrl+Shift keeps the rest; plain Shift replaces it).
 */
export function selectRange(sel: RowSelection, i: number, keep = false): RowSelection {
  const range: Range = [Math.min(sel.anchor, i), Math.max(sel.anchor, i)];
  return { ranges: normalise(keep ? [...sel.ranges, range] : [range]), anchor: sel.anchor };
}

/** Ctrl/Cmd+click: row `i` in or out; it becomes the anchor. */
export function toggleRow(sel: RowSelection, i: number): RowSelection {
  if (!isSelected(sel, i)) return { ranges: normalise([...sel.ranges, [i, i]]), anchor: i };
  const out: Range[] = [];
  for (const [a, b] of sel.ranges) {
    if (i < a || i > b) out.push([a, b]);
    else {
      if (a < i) out.push([a, i - 1]);
      if (i < b) out.push([i + 1, b]);
    }
  }
  return { ranges: out, anchor: i };
}

/** Ctrl+A: rows 0 … total − 1. */
export function selectAll(total: number): RowSelection {
  return total > 0 ? { ranges: [[0, total - 1]], anchor: 0 } : EMPTY;
}

export function isSelected(sel: RowSelection, i: number): boolean {
  return sel.ranges.some(([a, b]) => a <= i && i <= b);
}

export function selectedCount(sel: RowSelection): number {
  return sel.ranges.reduce((n, [a, b]) => n + (b - a + 1), 0);
}

/**
 * The windows (offset, limit ≤ `max`) that cover the selection, in order; used to fetch rows
 * that are not on screen.
 */
export function windowsFor(sel: RowSelection, max: number): { offset: number; limit: number }[] {
  const out: { offset: number; limit: number }[] = [];
  for (const [a, b] of sel.ranges) {
    for (let o = a; o <= b; o += max) out.push({ offset: o, limit: Math.min(max, b - o + 1) });
  }
  return out;
}
