import { describe, expect, it } from "vitest";
import { formatOf, withFormat } from "./exportFormat";

describe("export formats", () => {
  it("reads the format from the extension, in any case", () => {
    expect(formatOf("/x/report-export.csv")).toBe("csv");
    expect(formatOf("/x/report-export.XLSX ")).toBe("xlsx");
    expect(formatOf("/x/report.txt")).toBeNull();
    expect(formatOf("")).toBeNull();
  });

  it("switches the extension and keeps the rest of the path", () => {
    expect(withFormat("/x/a.b-filtered.csv", "xlsx")).toBe("/x/a.b-filtered.xlsx");
    expect(withFormat("/x/a.XLSX", "csv")).toBe("/x/a.csv");
    expect(withFormat("/x/a", "xlsx")).toBe("/x/a.xlsx");
    expect(withFormat("  ", "csv")).toBe("");
  });
});
