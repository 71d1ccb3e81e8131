import { describe, expect, it } from "vitest";
import { copyProfile, draftChanged, draftLabel, emptyProfile, fileName, isPlaintextRemote, portValue, problemsByField, savedNotice } from "./profileDraft";

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
  it("flags plain http to a host that is not this machine", () => {
    const http = (hostname: string) => isPlaintextRemote({ dxProtocol: "http", hostname });
    for (const remote of ["dx.example.com", "10.0.0.5", "[2001:db8::1]", "localhost.example.com", "128.0.0.1"]) expect(http(remote), remote).toBe(true);
    for (const local of ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.5.6.7", "[::1]", "::1", "[::ffff:127.0.0.1]"]) expect(http(local), local).toBe(false);
    expect(isPlaintextRemote({ dxProtocol: "https", hostname: "dx.example.com" })).toBe(false);
  });
  it("names a file of a path", () => {
    expect(fileName("/home/me/corp CA.pem")).toBe("corp CA.pem");
    expect(fileName("C:\\certs\\ca.pem")).toBe("ca.pem");
  });
});

describe("unsaved changes", () => {
  it("are a changed setting or a typed password", () => {
    const a = emptyProfile();
    expect(draftChanged(a, copyProfile(a), "")).toBe(false);
    expect(draftChanged(a, copyProfile(a), "x")).toBe(true);
    const b = copyProfile(a);
    b.timeouts.requestSecs = 61;
    expect(draftChanged(a, b, "")).toBe(true);
  });
  it("are named after the draft, the saved name, or as a new connection", () => {
    const a = { ...emptyProfile(), name: "prod" };
    expect(draftLabel(a, { ...a, name: " prod-2 " })).toBe("prod-2");
    expect(draftLabel(a, { ...a, name: "" })).toBe("prod");
    expect(draftLabel(emptyProfile(), emptyProfile())).toBe("the new connection");
  });
  it("say where a saved password went", () => {
    const profile = { ...emptyProfile(), name: "prod" };
    expect(savedNotice({ profile, password: "keyring" })).toBe("Saved prod. The password is in the OS keyring.");
    expect(savedNotice({ profile, password: "memory" })).toContain("kept in memory");
    expect(savedNotice({ profile, password: "none" })).toBe("Saved prod.");
  });
});
