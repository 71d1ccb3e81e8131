import { describe, expect, it } from "vitest";
import type { OperationDto } from "./bindings";
import { planHeadline, planOf, preflightOf } from "./resyncCheck";

describe("resync confirmation", () => {
  it("counts the records and the deletions on the subscriber", () => {
    const p = planOf({ total: 160, cells: [
      { recordType: "MEDIA_ITEM", recordAction: "CREATE", count: 150 },
      { recordType: "RENDITION", recordAction: "DELETE", count: 4 },
      { recordType: "COLLECTION", recordAction: "UPDATE", count: 2 },
    ] }, 160);
    expect(p.rows[0]).toMatchObject({ action: "DELETE", count: 4 });
    expect(planHeadline(p)).toBe("Resync 156 records — 4 deletions on the subscriber");
    expect(planHeadline(planOf(null, 1))).toBe("Resync 1 record");
  });

  it("refuses, with the reason, when the subscriber has FAILED sync operations", () => {
    expect(preflightOf([], "render-eu")).toEqual({ state: "clear" });
    const op = { id: "o1", triggerFunction: "syncStagingMediaContent", status: "FAILED" } as OperationDto;
    const v = preflightOf([op, op], "render-eu");
    expect(v.state).toBe("refused");
    if (v.state === "refused") expect(v.reason).toBe("2 FAILED sync operations on render-eu: DX's pre-flight refuses the resync until they are gone.");
    // Counted over every page, not the first page shown.
    const many = preflightOf([op, op], "render-eu", 1234);
    if (many.state === "refused") expect(many.reason).toBe("1,234 FAILED sync operations on render-eu: DX's pre-flight refuses the resync until they are gone.");
    else expect.fail("refused");
  });
});
