// Profile drafts for the form: defaults, copies, and problem lists keyed by field.

import type { FieldProblem, ProfileDto } from "./bindings";

/** A new profile with DXClient's defaults. */
export function emptyProfile(): ProfileDto {
  return {
    id: "",
    name: "",
    dxProtocol: "https",
    hostname: "",
    dxPort: 443,
    ringAPIPort: 443,
    damAPIPort: 443,
    ringAPIVersion: "v1",
    damAPIVersion: "v1",
    dxUsername: "",
    tls: { mode: "verify" },
    timeouts: { connectSecs: 10, requestSecs: 60 },
    subscriberProfileId: null,
  };
}

/** A deep copy, so the form never edits the list's object. */
export function copyProfile(p: ProfileDto): ProfileDto {
  return JSON.parse(JSON.stringify(p)) as ProfileDto;
}

/** The first message per field. */
export function problemsByField(problems: FieldProblem[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems) if (!(p.field in out)) out[p.field] = p.message;
  return out;
}

/** A port typed into a number field: anything not a whole number becomes 0 (shown invalid). */
export function portValue(text: string): number {
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= 4294967295 ? n : 0;
}
