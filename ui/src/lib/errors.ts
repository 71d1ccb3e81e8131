// Errors from commands arrive as `{code, message, field}`; framework failures as plain strings.
// This module turns either into something to show: what happened and what to do next.

export interface AppError {
  code: string;
  message: string;
  field: string | null;
}

/** Normalises anything a command may throw. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const o = e as { code: unknown; message: unknown; field?: unknown };
    return {
      code: String(o.code),
      message: String(o.message),
      field: typeof o.field === "string" ? o.field : null,
    };
  }
  if (e instanceof Error) return { code: "internal", message: e.message, field: null };
  return { code: "internal", message: String(e), field: null };
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
  no_linked_profile: "Open Profiles and link this publisher to the profile of its subscriber environment.",
  undecodable_answer: "The server answered something unexpected: check that the host and ports point at DX.",
  server_error: "DX reported a problem; try again, and look at the DX server logs if it persists.",
  unknown_profile: "The profile was removed; pick another one.",
  settings_file: "Fix or move the settings file named above, then restart the app.",
  path_not_allowed: "Choose the file with Open CSV… or Browse…, drop it on the window, or use the library or the export folder.",
  export_not_csv: "End the file name with .csv.",
  export_exists: "Confirm to replace the file, or choose another name.",
};

/** The next thing the user can do about an error, in plain words. */
export function nextStep(code: string): string | null {
  return NEXT_STEPS[code] ?? null;
}
