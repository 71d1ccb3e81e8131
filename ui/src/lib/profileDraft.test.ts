import { describe, expect, it } from "vitest";
import { copyProfile, emptyProfile, portValue, problemsByField } from "./profileDraft";

describe("profile drafts", () => {
  it("start from DXClient's defaults", () => {
    const p = emptyProfile();
    expect(p).toMatchObject({ dxProtocol: "https", dxPort: 443, ringAPIPort: 443, damAPIPort: 443, ringAPIVersion: "v1", tls: { mode: "verify" } });
  });
  it("copies deeply", () => {
    const a = emptyProfile();
    const b = copyProfile(a);
    b.timeouts.connectSecs = 99;
    expect(a.timeouts.connectSecs).toBe(10);
  });
  it("keeps the first problem per field and reads ports", () => {
    expect(problemsByField([{ field: "dxPort", message: "a" }, { field: "dxPort", message: "b" }, { field: "hostname", message: "c" }])).toEqual({ dxPort: "a", hostname: "c" });
    expect(portValue("70000")).toBe(70000);
    expect(portValue("12x")).toBe(0);
    expect(portValue("-1")).toBe(0);
  });
});
