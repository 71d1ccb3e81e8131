//! Exit codes of `dam-staging`.

use dx_staging::{Error, ErrorCode, Outcome};

/// Success; for a report or a followed find: in sync (no mismatch).
pub const OK: u8 = 0;
/// A local problem (file not writable, ...).
pub const OTHER: u8 = 1;
/// Usage error (bad flags or values); clap uses 2 as well.
pub const USAGE: u8 = 2;
/// Authentication or authorisation failed (bad credentials, not a DAM administrator).
pub const AUTH: u8 = 3;
/// DX answered with an error (unknown subscriber, job already running, 5xx, undecodable answer).
pub const SERVER: u8 = 4;
/// The server could not be reached (refused, timeout, TLS).
pub const NETWORK: u8 = 5;
/// A followed run ended badly: find or resync failed, stuck, or refused by a safety rule.
pub const RUN_FAILED: u8 = 6;
/// Interrupted (Ctrl-C) while following a run: the server's job goes on; resume with --resume.
pub const INTERRUPTED: u8 = 7;
/// Success, and mismatches were found (the report has rows; compare-record: the record
/// differs or is missing on the subscriber).
pub const MISMATCHES: u8 = 10;

/// The help text listing the exit codes.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0   success (report / followed find: in sync)
  10  success, mismatches found (the report has rows; compare-record: the record differs)
  1   local problem (files)
  2   usage error (flags, values)
  3   authentication / authorisation (bad credentials, not a DAM administrator)
  4   DX answered an error (unknown subscriber, job already running, server error)
  5   network or TLS problem (refused, timeout, certificate)
  6   a followed run ended badly (failed, stuck, refused by a safety rule)
  7   interrupted while following; the server's job goes on (resume with --resume)

The password comes from -dxPassword, else the DX_PASSWORD environment variable, else --password-stdin.";

/// The exit code for an error.
pub fn for_error(e: &Error) -> u8 {
    for_code(e.kind())
}

/// The exit code for an error's code, whether the error ended a command or a followed run.
pub fn for_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::InvalidProfile => USAGE,
        ErrorCode::BadCredentials | ErrorCode::SessionRejected | ErrorCode::NotAdmin => AUTH,
        ErrorCode::Tls | ErrorCode::Timeout | ErrorCode::ConnectionRefused | ErrorCode::Network => {
            NETWORK
        }
        ErrorCode::Refused => RUN_FAILED,
        ErrorCode::Cancelled => INTERRUPTED,
        ErrorCode::File | ErrorCode::Report => OTHER,
        _ => SERVER,
    }
}

/// The exit code for a finished run's outcome.
pub fn for_outcome(o: &Outcome) -> u8 {
    match o {
        Outcome::FindCompleted | Outcome::InSync | Outcome::ResyncDone { .. } => OK,
        Outcome::Verified { remaining: 0, .. } => OK,
        Outcome::MismatchesFound { .. } | Outcome::Verified { .. } => MISMATCHES,
        Outcome::FindFailed { .. }
        | Outcome::Stuck { .. }
        | Outcome::ResyncFailed
        | Outcome::Refused { .. } => RUN_FAILED,
        Outcome::Error { code, .. } => for_code(*code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_by_kind() {
        assert_eq!(for_error(&Error::BadCredentials { host: "h".into() }), AUTH);
        assert_eq!(for_error(&Error::Timeout { host: "h".into() }), NETWORK);
        assert_eq!(
            for_error(&Error::JobAlreadyRunning {
                message: "m".into()
            }),
            SERVER
        );
        assert_eq!(for_outcome(&Outcome::InSync), OK);
        assert_eq!(
            for_outcome(&Outcome::MismatchesFound { rows: 3 }),
            MISMATCHES
        );
        assert_eq!(for_outcome(&Outcome::ResyncFailed), RUN_FAILED);
        assert_eq!(
            for_outcome(&Outcome::Error {
                code: ErrorCode::ConnectionRefused,
                message: "m".into(),
                during: None,
            }),
            NETWORK
        );
    }
}
