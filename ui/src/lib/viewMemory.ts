// The viewer's view of a report (columns, their order and widths, sort, filter), remembered per
// report file in localStorage and restored when that file is opened again.

import type { Filter, ViewSort } from "./bindings";
import type { ColumnSetting } from "./gridColumns";

export interface SavedView {
  columns: ColumnSetting[];
  sort: ViewSort | null;
  filter: Filter;
}

/** The storage this needs (localStorage, or a stand-in in tests). */
export type ViewStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const PREFIX = "dsc.view.v1:";

export function viewKey(path: string): string {
  return PREFIX + path;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The remembered view of `path`; `null` when none, or when what is stored is not one. */
export function loadView(store: ViewStore, path: string): SavedView | null {
  let raw: string | null;
  try {
    raw = store.getItem(viewKey(path));
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    if (!isRecord(v) || !Array.isArray(v.columns)) return null;
    const columns = v.columns.filter(
      (c): c is ColumnSetting => isRecord(c) && typeof c.key === "string" && typeof c.width === "number" && typeof c.visible === "boolean",
    );
    const s = v.sort;
    const sort = isRecord(s) && typeof s.column === "string" && typeof s.descending === "boolean" ? { column: s.column, descending: s.descending } : null;
    const filter = isRecord(v.filter) ? (v.filter as Filter) : {};
    return { columns, sort, filter };
  } catch {
    return null;
  }
}

/** Remembers the view of `path` (a full or unavailable storage is not an error). */
export function saveView(store: ViewStore, path: string, view: SavedView): void {
  try {
    store.setItem(viewKey(path), JSON.stringify(view));
  } catch {
    /* the view is only a convenience */
  }
}

export function forgetView(store: ViewStore, path: string): void {
  try {
    store.removeItem(viewKey(path));
  } catch {
    /* nothing to forget */
  }
}
