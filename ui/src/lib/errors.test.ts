import { describe, expect, it } from "vitest";
import { asAppError, nextStep } from "./errors";

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
    expect(nextStep("export_not_csv")).toMatch(/\.csv/);
    expect(nextStep("export_exists")).toMatch(/replace/);
  });
});
