import { describe, expect, it } from "vitest";
import { asAppError, describeLocation, nextStep } from "./errors";

describe("errors", () => {
  it("keeps {code, message, field} from commands", () => {
    expect(asAppError({ code: "invalid_profile", message: "invalid dxPort: 70000 is not a port (1-65535)", field: "dxPort" })).toEqual({
      code: "invalid_profile",
      message: "invalid dxPort: 70000 is not a port (1-65535)",
      field: "dxPort",
    });
  });
  it("wraps framework strings and exceptions", () => {
    expect(asAppError("Command foo not allowed")).toEqual({ code: "internal", message: "Command foo not allowed", field: null });
    expect(asAppError(new Error("boom")).message).toBe("boom");
  });
  it("gives a next step for the errors a connection test meets", () => {
    for (const code of ["bad_credentials", "tls", "connection_refused", "timeout", "keyring_unavailable"]) {
      expect(nextStep(code)).toBeTruthy();
    }
    expect(nextStep("tls")).toMatch(/CA file/);
    expect(nextStep("no_such_code")).toBeNull();
  });
  it("says what to do about a refused file", () => {
    expect(nextStep("path_not_allowed")).toMatch(/Open CSV/);
    expect(nextStep("export_unknown_format")).toMatch(/\.xlsx/);
    expect(nextStep("export_exists")).toMatch(/replace/);
  });
  it("keeps where in a report file an error is, and says it", () => {
    const location = { path: "/lib/r.csv", line: 12, column: "recordType", record: null };
    const e = asAppError({ code: "report_file", message: "/lib/r.csv: line 12 …", field: null, location });
    expect(e.location).toEqual(location);
    expect(describeLocation(location)).toBe("Line 12, column recordType");
    expect(describeLocation({ ...location, column: null })).toBe("Line 12");
    expect(describeLocation({ ...location, line: null })).toBe("Column recordType");
    expect(describeLocation({ ...location, line: null, column: null })).toBeNull();
    expect(asAppError({ code: "cancelled", message: "cancelled", field: null, location: null }).location).toBeUndefined();
    expect(nextStep("report_file")).toBeTruthy();
  });
});
