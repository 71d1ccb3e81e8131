// Errors from commands arrive as `{code, message, field, location}`; framework failures as plain
// strings. This module turns either into something to show: what happened and what to do next.

import type { CsvLocation } from "./bindings";

export interface AppError {
  code: string;
  message: string;
  field: string | null;
  /** Where in a report file, for errors about one. */
  location?: CsvLocation;
}

/** Normalises anything a command may throw. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const o = e as { code: unknown; message: unknown; field?: unknown; location?: unknown };
    const location = isLocation(o.location) ? { location: o.location } : {};
    return {
      code: String(o.code),
      message: String(o.message),
      field: typeof o.field === "string" ? o.field : null,
      ...location,
    };
  }
  if (e instanceof Error) return { code: "internal", message: e.message, field: null };
  return { code: "internal", message: String(e), field: null };
}

function isLocation(v: unknown): v is CsvLocation {
  return !!v && typeof v === "object" && typeof (v as { path?: unknown }).path === "string";
}

/** "Line 12, column recordType": where in the file, when the error knows; `null` otherwise. */
export function describeLocation(l: CsvLocation): string | null {
  const parts: string[] = [];
  if (l.line !== null) parts.push(`line ${l.line}`);
  if (l.column !== null) parts.push(`column ${l.column}`);
  if (parts.length === 0) return null;
  const text = parts.join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const NEXT_STEPS: Record<string, string> = {
  bad_credentials: "Check the user name and password, then test again.",
  session_rejected: "Log in again; if it keeps failing, check the user's access in DX.",
  not_admin: "Use a DX user that is a DAM administrator.",
  tls: "If the server uses a private or self-signed certificate, choose its CA file (PEM) under Certificate.",
  timeout: "Check that the server is up and reachable from this computer, or raise the time limits.",
  connection_refused: "Check the host name and the ports; the server may be down or behind a VPN.",
  network: "Check the network connection and try again.",
  invalid_profile: "Correct the highlighted field.",
  keyring_unavailable: "The password is kept in memory only until the app closes; you will be asked for it next time.",
  password_needed: "Enter the password in the profile and save it, or type it to connect this time.",
  no_linked_profile: "Open Profiles, edit the publisher and link each subscriber to the connection of its own environment.",
  unknown_subscriber: "The subscriber is no longer registered on this publisher: refresh the list.",
  reregister_incomplete: "Register it again with Register subscriber… on the Subscribers screen (same target host and cycle), or with DXClient.",
  undecodable_answer: "The server answered something unexpected: check that the host and ports point at DX.",
  server_error: "DX reported a problem; try again, and look at the DX server logs if it persists.",
  unknown_profile: "The profile was removed; pick another one.",
  settings_file: "Fix or move the settings file named above, then restart the app.",
  path_not_allowed: "Choose the file with Open CSV… or Browse…, drop it on the window, or use the library or the export folder.",
  export_unknown_format: "End the file name with .csv (CSV) or .xlsx (Excel workbook).",
  export_exists: "Confirm to replace the file, or choose another name.",
  invalid_schedule: "Choose an hour from 0 to 23, a minute from 0 to 59, or a period from 1 minute to a week.",
  report_file: "Check the file at the place named (a spreadsheet may have changed it), or fetch the report again.",
  report_closed: "Open the report again from the library.",
  unknown_column: "Sort by another column, or open the report again.",
  task_failed: "Try again; if it keeps failing, look at the app's log.",
  export_path_missing: "Type a file name or choose one with Browse….",
};

/** The next thing the user can do about an error, in plain words. */
export function nextStep(code: string): string | null {
  return NEXT_STEPS[code] ?? null;
}
