// Profile drafts for the form: defaults, copies, and problem lists keyed by field.

import type { FieldProblem, ProfileDto, ProfileView } from "./bindings";

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
    subscriberLinks: [],
    subscriberProfileId: null,
    dxCfLevel: null,
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

/**
 * Plain `http` to a host that is not this machine (not `localhost`, 127.0.0.0/8 or `::1`): the
 * password crosses the network unencrypted. The same rule as `Profile::is_plaintext_remote` in
 * Rust, which decides the header's flag; this one follows the form as it is typed.
 */
export function isPlaintextRemote(p: Pick<ProfileDto, "dxProtocol" | "hostname">): boolean {
  if (p.dxProtocol !== "http") return false;
  let h = p.hostname.trim().toLowerCase();
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (h === "") return false;
  if (h === "localhost") return false;
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) && h.split(".").every((x) => Number(x) <= 255)) return false;
  if (h.startsWith("::ffff:")) {
    const v4 = h.slice(7);
    if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)) return false;
  }
  return !/^(0{0,4}:){2,7}0{0,3}1$/.test(h) && h !== "::1";
}

/** The last part of a path, `/` or `\` separated (a file's name for display). */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** True when the form holds something not saved: a changed setting or a typed password. */
export function draftChanged(initial: ProfileDto, draft: ProfileDto, password: string): boolean {
  return password !== "" || JSON.stringify(initial) !== JSON.stringify(draft);
}

/** The name a discard question uses for the draft. */
export function draftLabel(initial: ProfileDto, draft: ProfileDto): string {
  return draft.name.trim() || initial.name.trim() || "the new connection";
}

/** What the app says after a save: where the password went. */
export function savedNotice(v: Pick<ProfileView, "password" | "profile">): string {
  const name = v.profile.name;
  return v.password === "keyring"
    ? `Saved ${name}. The password is in the OS keyring.`
    : v.password === "memory"
      ? `Saved ${name}. No keyring available: the password is kept in memory until the app closes.`
      : `Saved ${name}.`;
}
