// The formats an export can be written in, told by the file name's extension (as Rust tells
// them: `ExportFormat::of`).

/** An export format: `csv` (DX's columns) or `xlsx` (an Excel workbook with a summary sheet). */
export type ExportFormatId = "csv" | "xlsx";

/** The choices the export panel offers. */
export const EXPORT_FORMATS: { id: ExportFormatId; label: string; title: string }[] = [
  { id: "csv", label: "CSV", title: "DX's columns, for DXClient, scripts and spreadsheets" },
  { id: "xlsx", label: "Excel", title: "An Excel workbook: a Summary sheet (counts by type and action) and the rows with a frozen, filterable header" },
];

/** The format a path asks for, or null for another extension. */
export function formatOf(path: string): ExportFormatId | null {
  const m = /\.(csv|xlsx)$/i.exec(path.trim());
  return m ? (m[1]!.toLowerCase() as ExportFormatId) : null;
}

/** `path` with the extension of `format` (replacing .csv or .xlsx, else appended). */
export function withFormat(path: string, format: ExportFormatId): string {
  const trimmed = path.trim();
  if (trimmed === "") return trimmed;
  const stem = trimmed.replace(/\.(csv|xlsx)$/i, "");
  return `${stem}.${format}`;
}
