import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";

import ErrorBox from "./ErrorBox.svelte";

describe("ErrorBox", () => {
  afterEach(() => cleanup());

  it("shows where in the report file the error is", () => {
    const error = {
      code: "report_file",
      message: "/lib/r.csv: line 12: expected 10 fields, found 2: sub-1,RENDITION",
      field: null,
      location: { path: "/lib/r.csv", line: 12, column: "recordType", record: "sub-1,RENDITION" },
    };
    render(ErrorBox, { error });
    expect(screen.getByTestId("error-location").textContent).toBe("Line 12, column recordType");
    expect(screen.getByTestId("error-record").textContent).toBe("sub-1,RENDITION");
  });

  it("shows no place for errors without one", () => {
    render(ErrorBox, { error: { code: "report_closed", message: "this report is no longer open", field: null } });
    expect(screen.queryByTestId("error-location")).toBeNull();
    expect(screen.queryByTestId("error-record")).toBeNull();
  });
});
