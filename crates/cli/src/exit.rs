//! Exit codes of `dam-staging`: as DXClient, 0 whenever a command did its work (mismatches found
//! included, so scripts moved from DXClient keep working under `set -e`); the opt-in
//! `--exit-code-on-mismatch` brings back a distinct code for mismatches found.

use dx_staging::{Error, ErrorCode, Outcome, Rule};

/// Success, mismatches found included (as DXClient).
pub const OK: u8 = 0;
/// A local problem (file not writable, a settings file that cannot be used, ...).
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
/// The report was not downloaded: the subscriber's find is not `FIND_MISMATCH_COMPLETED`
/// (`-forceDownload true` downloads it anyway).
pub const REPORT_NOT_READY: u8 = 8;
/// Only with `--exit-code-on-mismatch`: success, and mismatches were found (the report has
/// rows; compare-record: the record differs or is missing on the subscriber).
pub const MISMATCHES: u8 = 10;

/// The help text listing the exit codes.
pub const EXIT_CODES_HELP: &str = "Exit codes (as DXClient: 0 whenever the command did its work):
  0   success, mismatches found included
  10  with --exit-code-on-mismatch only: success, mismatches found (the report has rows;
      compare-record: the record differs)
  1   local problem (files, store/config.json)
  2   usage error (flags, values)
  3   authentication / authorisation (bad credentials, not a DAM administrator)
  4   DX answered an error (unknown subscriber, job already running, server error)
  5   network or TLS problem (refused, timeout, certificate)
  6   a followed run ended badly (failed, stuck, refused by a safety rule)
  7   interrupted while following; the server's job goes on (resume with --resume)
  8   report not downloaded: the find is not complete (not FIND_MISMATCH_COMPLETED);
      use -forceDownload true to download it anyway

The password comes from -dxPassword, else the DX_PASSWORD environment variable, else
--password-stdin, else dxPassword in store/config.json (or --config). Flags left out are read
from that file when it exists.";

/// The exit code for an error.
pub fn for_error(e: &Error) -> u8 {
    match e {
        Error::Refused {
            rule: Rule::FindNotComplete,
            ..
        } => REPORT_NOT_READY,
        _ => for_code(e.kind()),
    }
}

/// The exit code for an error's code, whether the error ended a command or a followed run.
pub fn for_code(code: ErrorCode) -> u8 {
    match code {
        // A record type DX's records endpoint does not serve: the -recordType given.
        ErrorCode::InvalidProfile | ErrorCode::NotComparable => USAGE,
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

/// The exit code of a command that succeeded and found mismatches (or not):
/// [`MISMATCHES`] only when found and `exit_code_on_mismatch` asks for it.
pub fn found(mismatches: bool, exit_code_on_mismatch: bool) -> u8 {
    if mismatches && exit_code_on_mismatch {
        MISMATCHES
    } else {
        OK
    }
}

/// The exit code for a finished run's outcome (`exit_code_on_mismatch`: see [`found`]).
pub fn for_outcome(o: &Outcome, exit_code_on_mismatch: bool) -> u8 {
    match o {
        Outcome::FindCompleted | Outcome::InSync | Outcome::ResyncDone { .. } => OK,
        Outcome::Verified { remaining, .. } => found(*remaining > 0, exit_code_on_mismatch),
        Outcome::MismatchesFound { .. } => found(true, exit_code_on_mismatch),
        Outcome::Refused {
            rule: Rule::FindNotComplete,
            ..
        } => REPORT_NOT_READY,
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
        assert_eq!(
            for_error(&Error::UnknownSubscriber {
                id: "s".into(),
                message: "m".into()
            }),
            SERVER
        );
        assert_eq!(for_outcome(&Outcome::InSync, false), OK);
        assert_eq!(for_outcome(&Outcome::ResyncFailed, false), RUN_FAILED);
        assert_eq!(
            for_outcome(
                &Outcome::Error {
                    code: ErrorCode::ConnectionRefused,
                    message: "m".into(),
                    during: None,
                },
                true
            ),
            NETWORK
        );
    }

    #[test]
    fn mismatches_exit_0_as_dxclient_unless_asked_for_10() {
        let found_3 = Outcome::MismatchesFound { rows: 3 };
        assert_eq!(for_outcome(&found_3, false), OK);
        assert_eq!(for_outcome(&found_3, true), MISMATCHES);
        assert_eq!(for_outcome(&Outcome::InSync, true), OK);
        let verified = |remaining| Outcome::Verified {
            remaining,
            diff: None,
        };
        assert_eq!(for_outcome(&verified(2), false), OK);
        assert_eq!(for_outcome(&verified(2), true), MISMATCHES);
        assert_eq!(for_outcome(&verified(0), true), OK);
        assert_eq!(found(true, false), OK);
        assert_eq!(found(true, true), MISMATCHES);
        assert_eq!(found(false, true), OK);
    }

    #[test]
    fn a_report_refused_before_the_find_completed_has_its_own_code() {
        let refused = Error::Refused {
            rule: Rule::FindNotComplete,
            message: "m".into(),
        };
        assert_eq!(for_error(&refused), REPORT_NOT_READY);
        let other_rule = Error::Refused {
            rule: Rule::ArchiveIncomplete,
            message: "m".into(),
        };
        assert_eq!(for_error(&other_rule), RUN_FAILED);
        assert_eq!(
            for_outcome(
                &Outcome::Refused {
                    rule: Rule::FindNotComplete,
                    message: "m".into()
                },
                false
            ),
            REPORT_NOT_READY
        );
    }

    #[test]
    fn the_help_lists_every_code() {
        for code in [
            OK,
            OTHER,
            USAGE,
            AUTH,
            SERVER,
            NETWORK,
            RUN_FAILED,
            INTERRUPTED,
            REPORT_NOT_READY,
            MISMATCHES,
        ] {
            assert!(
                EXIT_CODES_HELP
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code} "))),
                "exit code {code} is not in EXIT_CODES_HELP"
            );
        }
        assert!(EXIT_CODES_HELP.contains("--exit-code-on-mismatch"));
        assert!(EXIT_CODES_HELP.contains("-forceDownload true"));
    }
}
