//! Command-line arguments, spelled as HCL documents DXClient's (`-dxProtocol`, `-hostname`, ...).

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand};

use dx_staging::client::{DEFAULT_CYCLE_LENGTH_MINUTES, MAX_CYCLE_LENGTH_MINUTES};
use dx_staging::workflow::{FIND_STALL_SECS, STUCK_LIMIT_SECS};
use mismatch_report::{RecordAction, RecordType};

use crate::exit::EXIT_CODES_HELP;

/// The DX spellings of `known` (a domain enum's `KNOWN`, spelled by its `as_str`), comma-separated,
/// for help texts and usage errors.
pub fn dx_values<T>(known: &[T], spell: fn(&T) -> &str) -> String {
    known.iter().map(spell).collect::<Vec<_>>().join(", ")
}

/// DXClient's flags taking a value or not, accepted with one dash (`-hostname h`) as HCL writes
/// them; clap itself sees them with two.
pub const LONG_FLAGS: &[&str] = &[
    "dxProtocol",
    "hostname",
    "dxPort",
    "dxUsername",
    "dxPassword",
    "damAPIPort",
    "ringAPIPort",
    "damAPIVersion",
    "ringAPIVersion",
    "subscriberId",
    "recordType",
    "recordAction",
    "recordId",
    "reportPath",
    "archiveDir",
    "forceDownload",
    "targetHostname",
    "targetServerUsername",
    "targetServerPassword",
    "interval",
];

/// Rewrites DXClient's single-dash long flags (`-hostname`, `-dxPort=443`) to clap's `--` form.
/// Other arguments (values, `-h`, `--json`) are left as they are.
pub fn normalise_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut expecting_value = false;
    for a in args {
        if expecting_value {
            out.push(a);
            expecting_value = false;
            continue;
        }
        let single_dash = a.starts_with('-') && !a.starts_with("--") && a.len() > 2;
        let name = a.trim_start_matches('-');
        let (flag, has_inline_value) = match name.split_once('=') {
            Some((f, _)) => (f, true),
            None => (name, false),
        };
        if single_dash && LONG_FLAGS.contains(&flag) {
            out.push(format!("-{a}"));
            expecting_value = !has_inline_value;
        } else {
            if a.starts_with("--") && LONG_FLAGS.contains(&flag) && !has_inline_value {
                expecting_value = true;
            }
            out.push(a);
        }
    }
    out
}

/// `dam-staging`: DAM staging mismatch and resync for HCL DX, with DXClient's commands.
#[derive(Debug, Parser)]
#[command(name = "dam-staging", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// The command group (as DXClient: `manage-dam-staging`).
    #[command(subcommand)]
    pub group: Group,
}

/// Command groups.
#[derive(Debug, Subcommand)]
pub enum Group {
    /// DAM staging mismatch and resync commands.
    #[command(name = "manage-dam-staging", after_help = EXIT_CODES_HELP)]
    ManageDamStaging {
        /// The command.
        #[command(subcommand)]
        command: Command,
    },
}

/// DXClient's `manage-dam-staging` commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the subscribers registered on the publisher, with their staging and resync status.
    #[command(name = "get-all-subscribers", after_help = EXIT_CODES_HELP)]
    GetAllSubscribers {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
    },
    /// Start finding staging mismatches between the publisher and one subscriber.
    #[command(name = "find-staging-mismatch", after_help = EXIT_CODES_HELP)]
    FindStagingMismatch {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        /// The subscriber registration id.
        #[arg(long = "subscriberId", required_unless_present = "resume")]
        subscriber_id: Option<String>,
        /// With `--wait`: where the report goes (a folder, or a `.csv` file). Default store/outputFiles/.
        #[arg(long = "reportPath")]
        report_path: Option<PathBuf>,
        /// Leave the subscriber's existing mismatch logs on the server. By default they are
        /// first kept in store/outputFiles/archive (checked against a fresh count) and deleted,
        /// as HCL advises before re-running a find, so the new report holds only this find's logs.
        #[arg(long = "keep-old-logs")]
        keep_old_logs: bool,
        /// Following the run.
        #[command(flatten)]
        wait: WaitArgs,
        /// The exit code when mismatches are found.
        #[command(flatten)]
        mismatch_exit: MismatchExit,
    },
    /// Download the mismatch report as CSV (all subscribers unless -subscriberId).
    #[command(name = "get-staging-mismatch-report", after_help = EXIT_CODES_HELP)]
    GetStagingMismatchReport {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        /// Only this subscriber's logs.
        #[arg(long = "subscriberId")]
        subscriber_id: Option<String>,
        // Only this record type; the help lists every type DX documents.
        #[arg(long = "recordType", help = format!(
            "Only this record type ({})",
            dx_values(RecordType::KNOWN, RecordType::as_str)
        ))]
        record_type: Option<String>,
        // Only this action; the help lists every action DX documents.
        #[arg(long = "recordAction", help = format!(
            "Only this action ({})",
            dx_values(RecordAction::KNOWN, RecordAction::as_str)
        ))]
        record_action: Option<String>,
        /// A folder (default store/outputFiles/) or a `.csv` file name for the report.
        #[arg(long = "reportPath")]
        report_path: Option<PathBuf>,
        /// Start the CSV with a UTF-8 byte order mark (for spreadsheet programs).
        #[arg(long = "bom")]
        bom: bool,
        /// Download the report even when the subscriber's find is not FIND_MISMATCH_COMPLETED
        /// (still running, failed, or never run): it is then not accurate, and the output says
        /// why. Without it (or with false) such a report is refused, exit 8 (DXClient since CF221).
        #[arg(
            long = "forceDownload",
            value_name = "true|false",
            default_value = "false",
            value_parser = BoolishValueParser::new(),
            action = ArgAction::Set
        )]
        force_download: bool,
        /// The exit code when mismatches are found.
        #[command(flatten)]
        mismatch_exit: MismatchExit,
    },
    /// Delete the mismatch logs on the publisher (all subscribers' unless -subscriberId), after
    /// keeping a complete copy of them (checked against a fresh count) in -archiveDir.
    #[command(name = "delete-staging-mismatch", after_help = EXIT_CODES_HELP)]
    DeleteStagingMismatch {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        /// Only this subscriber's logs.
        #[arg(long = "subscriberId")]
        subscriber_id: Option<String>,
        /// Where the complete copy of the logs is kept before they are deleted (default
        /// store/outputFiles/archive). The logs are deleted only if the copy holds every one.
        #[arg(long = "archiveDir")]
        archive_dir: Option<PathBuf>,
    },
    /// Start a resync of one subscriber from the publisher.
    #[command(name = "start-staging-resync", after_help = EXIT_CODES_HELP)]
    StartStagingResync {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        /// The subscriber registration id.
        #[arg(long = "subscriberId", required_unless_present = "resume")]
        subscriber_id: Option<String>,
        /// Following the run.
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Compare one record on the publisher and on the subscriber environment, field by field
    /// (beyond DXClient; needs --subscriber-hostname for the subscriber side).
    #[command(name = "compare-record", after_help = EXIT_CODES_HELP)]
    CompareRecord {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        // The record's type; the help lists every type DX documents.
        #[arg(long = "recordType", required = true, help = format!(
            "The record type ({})",
            dx_values(RecordType::KNOWN, RecordType::as_str)
        ))]
        record_type: String,
        /// The record id (as in the report's recordId column).
        #[arg(long = "recordId", required = true)]
        record_id: String,
        /// The subscriber environment.
        #[command(flatten)]
        subscriber_env: SubscriberEnv,
        /// The exit code when the record differs.
        #[command(flatten)]
        mismatch_exit: MismatchExit,
    },
    /// Register a subscriber (the target environment) with the publisher, for periodic staging
    /// every -interval minutes. First logs in to the target with -targetServerUsername and its
    /// password to check both; the transfer credentials themselves are not set by the API (the
    /// output says what the operator must still do).
    #[command(name = "register-dam-subscriber", after_help = EXIT_CODES_HELP)]
    RegisterDamSubscriber {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        /// The target (subscriber) environment's host name, sent to DX as the registration's
        /// targetHost as given (host, host:port, or a URL).
        #[arg(long = "targetHostname", required = true)]
        target_hostname: String,
        /// A portal administrator of the target environment (checked by logging in there).
        #[arg(long = "targetServerUsername", required = true)]
        target_server_username: String,
        /// That user's password. Prefer the DX_TARGET_PASSWORD environment variable or
        /// --target-password-stdin: a flag is visible to other users of the machine.
        #[arg(long = "targetServerPassword")]
        target_server_password: Option<String>,
        /// Read the target's password from standard input (the line after the publisher's
        /// password when --password-stdin is given too).
        #[arg(long = "target-password-stdin")]
        target_password_stdin: bool,
        // The staging cycle length; the help gives HCL's default and maximum.
        #[arg(
            long = "interval",
            value_name = "MINUTES",
            allow_hyphen_values = true,
            help = format!(
                "The periodic staging cycle length in minutes, 1 to {MAX_CYCLE_LENGTH_MINUTES} (24 h) [default: {DEFAULT_CYCLE_LENGTH_MINUTES}]"
            )
        )]
        interval: Option<String>,
        /// The target's Ring API port for the login check (default: the port in
        /// -targetHostname, else the publisher's -ringAPIPort).
        #[arg(long = "target-port")]
        target_port: Option<u32>,
        /// Trust the certificate(s) in this PEM file for the target's login check.
        #[arg(long = "target-ca-file")]
        target_ca_file: Option<PathBuf>,
    },
    /// Deregister a subscriber from the publisher: periodic staging to it stops and DX deletes
    /// its mismatch logs on the publisher (a checked copy of them is kept first in -archiveDir).
    #[command(name = "deregister-dam-subscriber", after_help = EXIT_CODES_HELP)]
    DeregisterDamSubscriber {
        /// Connection.
        #[command(flatten)]
        conn: Connection,
        /// The subscriber registration id.
        #[arg(long = "subscriberId", required = true)]
        subscriber_id: String,
        /// Where the copy of the subscriber's mismatch logs is kept before DX deletes them
        /// (default store/outputFiles/archive).
        #[arg(long = "archiveDir")]
        archive_dir: Option<PathBuf>,
    },
}

/// Where and how to connect (DXClient's flags, plus TLS and output options). DXClient's flags
/// left out are read from store/config.json (or --config), else take their defaults.
#[derive(Debug, Args, Clone)]
pub struct Connection {
    /// Protocol of the publisher: https or http [default: https].
    #[arg(long = "dxProtocol")]
    pub dx_protocol: Option<String>,
    /// Host name of the publisher (required here or in store/config.json).
    #[arg(long = "hostname")]
    pub hostname: Option<String>,
    /// DX port of the publisher [default: 443].
    #[arg(long = "dxPort")]
    pub dx_port: Option<u32>,
    /// User name, a DAM administrator (required here or in store/config.json).
    #[arg(long = "dxUsername")]
    pub dx_username: Option<String>,
    /// Password. Prefer the DX_PASSWORD environment variable or --password-stdin: a flag is
    /// visible to other users of the machine.
    #[arg(long = "dxPassword")]
    pub dx_password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// DAM API port of the publisher [default: 443].
    #[arg(long = "damAPIPort")]
    pub dam_api_port: Option<u32>,
    /// Ring (core) API port of the publisher [default: 443].
    #[arg(long = "ringAPIPort")]
    pub ring_api_port: Option<u32>,
    /// DAM API version [default: v1].
    #[arg(long = "damAPIVersion")]
    pub dam_api_version: Option<String>,
    /// Ring API version [default: v1].
    #[arg(long = "ringAPIVersion")]
    pub ring_api_version: Option<String>,
    /// DXClient's settings file, read for the defaults of the flags above (keys spelled as the
    /// flags: dxProtocol, hostname, dxPort, dxUsername, dxPassword, damAPIPort, ringAPIPort,
    /// damAPIVersion, ringAPIVersion). Default: store/config.json when it exists. Flags win.
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Trust the certificate(s) in this PEM file (private CA or self-signed server).
    #[arg(long = "ca-file")]
    pub ca_file: Option<PathBuf>,
    /// Accept any TLS certificate. INSECURE: only for a test server you control.
    #[arg(long = "insecure-accept-invalid-certs")]
    pub insecure: bool,
    /// Request timeout in seconds.
    #[arg(long = "timeout", default_value_t = 60)]
    pub timeout_secs: u64,
    /// First pause before retrying a read that failed transiently (timeout, reset, 500,
    /// 502-504), in milliseconds; pauses double up to 8 s.
    #[arg(long = "retry-min-ms", default_value_t = 250)]
    pub retry_min_ms: u64,
    /// Retries of a read that keeps failing transiently.
    #[arg(long = "retries", default_value_t = 10)]
    pub retries: usize,
    /// Print machine-readable JSON (result on stdout, progress lines on stderr).
    #[arg(long = "json")]
    pub json: bool,
}

/// Following a find or resync to its end (beyond DXClient).
#[derive(Debug, Args, Clone)]
pub struct WaitArgs {
    /// Follow the job to its end with a progress line (find: also fetch the report).
    #[arg(long = "wait")]
    pub wait: bool,
    /// Resume watching a run saved in this state file (implies --wait).
    #[arg(long = "resume", value_name = "STATE_FILE")]
    pub resume: Option<PathBuf>,
    /// Where the run state is saved (default store/runs/<run id>.json).
    #[arg(long = "state-file")]
    pub state_file: Option<PathBuf>,
    /// DX before CF218: judge a running find by HCL's 30-minute limit (--stuck-limit-secs)
    /// instead of by the progress of its operations (DX CF218 and later, the default).
    #[arg(long = "dx-before-cf218")]
    pub dx_before_cf218: bool,
    /// DX CF218 and later: a find none of whose operations changed for this many seconds is
    /// stalled.
    #[arg(long = "find-stall-secs", default_value_t = FIND_STALL_SECS, conflicts_with = "dx_before_cf218")]
    pub find_stall_secs: u64,
    /// With --dx-before-cf218: a find still running after this many seconds is stuck (HCL: 1800).
    /// Also how long a server may stay unreachable before the watch gives up.
    #[arg(long = "stuck-limit-secs", default_value_t = STUCK_LIMIT_SECS)]
    pub stuck_limit_secs: u64,
    /// First poll delay in milliseconds.
    #[arg(long = "poll-min-ms", default_value_t = 1000)]
    pub poll_min_ms: u64,
    /// Largest poll delay in milliseconds.
    #[arg(long = "poll-max-ms", default_value_t = 10_000)]
    pub poll_max_ms: u64,
    /// The subscriber environment (for pre-flight checks, the two-way staging guard and
    /// watching the resync's operations).
    #[command(flatten)]
    pub subscriber_env: SubscriberEnv,
}

/// The subscriber environment's own connection (beyond DXClient): same protocol as the
/// publisher; its own user and password when given, else the publisher's (HCL: the two "can be
/// identical or different").
#[derive(Debug, Args, Clone)]
pub struct SubscriberEnv {
    /// Subscriber environment: its host name.
    #[arg(long = "subscriber-hostname")]
    pub subscriber_hostname: Option<String>,
    /// Subscriber environment: its Ring and DAM API port.
    #[arg(long = "subscriber-port", default_value_t = 443)]
    pub subscriber_port: u32,
    /// Subscriber environment: a CA file for it.
    #[arg(long = "subscriber-ca-file")]
    pub subscriber_ca_file: Option<PathBuf>,
    /// Subscriber environment: its administrator's user name (default: the publisher's).
    #[arg(long = "subscriber-username")]
    pub subscriber_username: Option<String>,
    /// Subscriber environment: its password (default: the publisher's). Prefer the
    /// DX_SUBSCRIBER_PASSWORD environment variable or --subscriber-password-stdin: a flag is
    /// visible to other users of the machine.
    #[arg(long = "subscriber-password")]
    pub subscriber_password: Option<String>,
    /// Read the subscriber environment's password from standard input (the line after the
    /// publisher's password when --password-stdin is given too).
    #[arg(long = "subscriber-password-stdin")]
    pub subscriber_password_stdin: bool,
}

/// Which exit code tells that mismatches were found (beyond DXClient, which exits 0).
#[derive(Debug, Args, Clone, Copy)]
pub struct MismatchExit {
    /// Exit with code 10 instead of 0 when mismatches were found (the report has rows,
    /// compare-record: the record differs). DXClient exits 0.
    #[arg(long = "exit-code-on-mismatch")]
    pub exit_code_on_mismatch: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn every_dxclient_style_flag_is_accepted_with_one_dash() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let group = cli.find_subcommand("manage-dam-staging").unwrap();
        for cmd in group.get_subcommands() {
            for arg in cmd.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                // DXClient's spelling is camel case without dashes (`subscriberId`); ours
                // beyond DXClient use dashes (`--subscriber-hostname`) and need two.
                if long.chars().any(|c| c.is_ascii_uppercase()) {
                    assert!(
                        LONG_FLAGS.contains(&long),
                        "-{long} of {} is not in LONG_FLAGS",
                        cmd.get_name()
                    );
                }
            }
        }
    }

    #[test]
    fn single_dash_flags_become_double() {
        let got = normalise_args(s(&[
            "dam-staging",
            "manage-dam-staging",
            "find-staging-mismatch",
            "-dxProtocol",
            "https",
            "-hostname",
            "-weird-host",
            "-dxPort=443",
            "--json",
            "-h",
        ]));
        assert_eq!(
            got,
            s(&[
                "dam-staging",
                "manage-dam-staging",
                "find-staging-mismatch",
                "--dxProtocol",
                "https",
                "--hostname",
                "-weird-host",
                "--dxPort=443",
                "--json",
                "-h",
            ])
        );
    }

    #[test]
    fn parses_hcl_documented_command_line() {
        let args = normalise_args(s(&[
            "dam-staging",
            "manage-dam-staging",
            "find-staging-mismatch",
            "-dxProtocol",
            "https",
            "-hostname",
            "dam-staging-publisher.domain.com",
            "-dxPort",
            "443",
            "-dxUsername",
            "xxxx",
            "-dxPassword",
            "xxxx",
            "-damAPIPort",
            "443",
            "-ringAPIPort",
            "443",
            "-damAPIVersion",
            "v1",
            "-ringAPIVersion",
            "v1",
            "-subscriberId",
            "8c72ef60-e8d4-425d-903a-232bb8726222",
        ]));
        let cli = Cli::try_parse_from(args).unwrap();
        let Group::ManageDamStaging {
            command:
                Command::FindStagingMismatch {
                    conn,
                    subscriber_id,
                    ..
                },
        } = cli.group
        else {
            panic!("wrong command");
        };
        assert_eq!(
            conn.hostname.as_deref(),
            Some("dam-staging-publisher.domain.com")
        );
        assert_eq!(conn.dx_password.as_deref(), Some("xxxx"));
        assert_eq!(
            subscriber_id.as_deref(),
            Some("8c72ef60-e8d4-425d-903a-232bb8726222")
        );
    }

    #[test]
    fn every_command_parses() {
        for cmd in [
            "get-all-subscribers",
            "get-staging-mismatch-report",
            "delete-staging-mismatch",
        ] {
            let args = normalise_args(s(&[
                "dam-staging",
                "manage-dam-staging",
                cmd,
                "-hostname",
                "h",
                "-dxUsername",
                "u",
            ]));
            assert!(Cli::try_parse_from(args).is_ok(), "{cmd}");
        }
        let args = normalise_args(s(&[
            "dam-staging",
            "manage-dam-staging",
            "start-staging-resync",
            "-hostname",
            "h",
            "-dxUsername",
            "u",
        ]));
        assert!(
            Cli::try_parse_from(args).is_err(),
            "subscriberId is required"
        );
    }

    /// Every subcommand under `cmd`, depth first, with its path of names.
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        // clap's own `help` subcommands are left out.
        for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
            let p = format!("{path} {}", sub.get_name());
            out.push((p.clone(), sub.clone()));
            walk(sub, &p, out);
        }
    }

    #[test]
    fn the_help_lists_every_command_and_every_flag_has_help_text() {
        use clap::CommandFactory;
        let mut root = Cli::command();
        root.build();
        let mut all = Vec::new();
        walk(&root, "dam-staging", &mut all);
        let group = root.find_subcommand("manage-dam-staging").unwrap().clone();
        let group_help = group.clone().render_help().to_string();
        let names: Vec<&str> = group
            .get_subcommands()
            .map(|c| c.get_name())
            .filter(|n| *n != "help")
            .collect();
        for want in [
            "get-all-subscribers",
            "find-staging-mismatch",
            "get-staging-mismatch-report",
            "delete-staging-mismatch",
            "start-staging-resync",
            "compare-record",
            "register-dam-subscriber",
            "deregister-dam-subscriber",
        ] {
            assert!(names.contains(&want), "{want} is not a command");
        }
        for name in &names {
            assert!(group_help.contains(name), "--help does not list {name}");
        }
        for (path, mut cmd) in all {
            assert!(cmd.get_about().is_some(), "{path} has no help text");
            let help = cmd.render_help().to_string();
            assert!(
                help.contains("Exit codes"),
                "{path}: no exit codes in --help"
            );
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                let text = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                assert!(!text.trim().is_empty(), "{path}: --{id} has no help text");
                if let Some(long) = arg.get_long() {
                    assert!(
                        help.contains(&format!("--{long}")),
                        "{path} --help does not list --{long}"
                    );
                }
            }
        }
    }

    #[test]
    fn dxclients_newer_commands_and_flags_parse() {
        let parse = |v: &[&str]| Cli::try_parse_from(normalise_args(s(v)));
        let base = ["dam-staging", "manage-dam-staging"];
        fn with<'a>(base: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
            let mut v = base.to_vec();
            v.extend_from_slice(rest);
            v
        }
        let with = |rest: &[&'static str]| with(&base, rest);
        let cli = parse(&with(&[
            "register-dam-subscriber",
            "-hostname",
            "pub",
            "-dxUsername",
            "u",
            "-targetHostname",
            "sub.example.com",
            "-targetServerUsername",
            "admin",
            "-interval",
            "-5",
        ]))
        .unwrap();
        let Group::ManageDamStaging {
            command:
                Command::RegisterDamSubscriber {
                    target_hostname,
                    interval,
                    target_server_password,
                    ..
                },
        } = cli.group
        else {
            panic!("wrong command");
        };
        assert_eq!(target_hostname, "sub.example.com");
        assert_eq!(interval.as_deref(), Some("-5"), "validated by the command");
        assert_eq!(
            target_server_password, None,
            "never required on the command line"
        );
        assert!(
            parse(&with(&[
                "register-dam-subscriber",
                "-targetServerUsername",
                "a"
            ]))
            .is_err(),
            "-targetHostname is required"
        );
        assert!(parse(&with(&["deregister-dam-subscriber"])).is_err());
        assert!(parse(&with(&["deregister-dam-subscriber", "-subscriberId", "x"])).is_ok());
        for (value, want) in [("true", true), ("false", false)] {
            let cli = parse(&with(&[
                "get-staging-mismatch-report",
                "-forceDownload",
                value,
            ]))
            .unwrap();
            let Group::ManageDamStaging {
                command: Command::GetStagingMismatchReport { force_download, .. },
            } = cli.group
            else {
                panic!("wrong command");
            };
            assert_eq!(force_download, want);
        }
        let cli = parse(&with(&["get-staging-mismatch-report"])).unwrap();
        let Group::ManageDamStaging {
            command:
                Command::GetStagingMismatchReport {
                    force_download,
                    mismatch_exit,
                    ..
                },
        } = cli.group
        else {
            panic!("wrong command");
        };
        assert!(!force_download && !mismatch_exit.exit_code_on_mismatch);
        assert!(parse(&with(&[
            "get-staging-mismatch-report",
            "-forceDownload",
            "maybe"
        ]))
        .is_err());
        assert!(
            parse(&with(&[
                "find-staging-mismatch",
                "-subscriberId",
                "x",
                "--dx-before-cf218",
                "--find-stall-secs",
                "60"
            ]))
            .is_err(),
            "the stall limit is for DX CF218 and later only"
        );
        let cli = parse(&with(&[
            "find-staging-mismatch",
            "-subscriberId",
            "x",
            "--exit-code-on-mismatch",
            "--subscriber-hostname",
            "s",
            "--subscriber-username",
            "subadmin",
        ]))
        .unwrap();
        let Group::ManageDamStaging {
            command:
                Command::FindStagingMismatch {
                    wait,
                    mismatch_exit,
                    ..
                },
        } = cli.group
        else {
            panic!("wrong command");
        };
        assert!(mismatch_exit.exit_code_on_mismatch);
        assert!(!wait.dx_before_cf218);
        assert_eq!(wait.find_stall_secs, FIND_STALL_SECS);
        assert_eq!(
            wait.subscriber_env.subscriber_username.as_deref(),
            Some("subadmin")
        );
    }

    #[test]
    fn the_report_help_lists_every_record_type_and_action() {
        use clap::CommandFactory;
        let mut cmd = Cli::command();
        let report = cmd
            .find_subcommand_mut("manage-dam-staging")
            .and_then(|g| g.find_subcommand_mut("get-staging-mismatch-report"))
            .expect("the report command");
        let help = report.render_help().to_string();
        for t in RecordType::KNOWN {
            assert!(help.contains(t.as_str()), "{help} lacks {t}");
        }
        for a in RecordAction::KNOWN {
            assert!(help.contains(a.as_str()), "{help} lacks {a}");
        }
    }
}
