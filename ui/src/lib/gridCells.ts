// What a grid cell shows and what its tooltip says: ids shortened in the middle (full in the
// tooltip), times in local time (ISO in the tooltip), a collection's name where the report has one.

import type { ColumnDto } from "./bindings";
import { localTime, midId } from "./format";

const ID_KEYS = new Set(["recordId", "collectionId", "subscriberId", "logId", "publisherHash", "subscriberHash"]);

export function isIdColumn(key: string): boolean {
  return ID_KEYS.has(key);
}

/** The extra column holding collection names ("collectionName", "Collection name", …), or -1. */
export function collectionNameIndex(columns: readonly ColumnDto[]): number {
  return columns.findIndex((c) => c.key.startsWith("extra:") && c.label.toLowerCase().replace(/[\s_.-]/g, "") === "collectionname");
}

/**
 * Text and tooltip of the cell of column `key` in a row of `cells`. A subscriber is named by its
 * target host when `hostOf` knows it (the id in the tooltip).
 */
export function cellView(key: string, cells: readonly string[], index: number, nameIndex = -1, hostOf: (id: string) => string | null = () => null): { text: string; title: string } {
  const v = cells[index] ?? "";
  if (key === "collectionId" && nameIndex >= 0 && cells[nameIndex]) {
    return { text: cells[nameIndex], title: `${cells[nameIndex]}\n${v}` };
  }
  const host = key === "subscriberId" && v ? hostOf(v) : null;
  if (host) return { text: host, title: `${host}\n${v}` };
  if (isIdColumn(key)) return { text: midId(v), title: v };
  if (key === "created") return { text: localTime(v), title: v };
  return { text: v, title: v };
}
