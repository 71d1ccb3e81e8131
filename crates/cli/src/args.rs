//! Command-line arguments, spelled as HCL documents DXClient's (`-dxProtocol`, `-hostname`, ...).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    },
}

/// Where and how to connect (DXClient's flags, plus TLS and output options).
#[derive(Debug, Args, Clone)]
pub struct Connection {
    /// Protocol of the publisher: https (default) or http.
    #[arg(long = "dxProtocol", default_value = "https")]
    pub dx_protocol: String,
    /// Host name of the publisher.
    #[arg(long = "hostname")]
    pub hostname: String,
    /// DX port of the publisher.
    #[arg(long = "dxPort", default_value_t = 443)]
    pub dx_port: u32,
    /// User name (a DAM administrator).
    #[arg(long = "dxUsername")]
    pub dx_username: String,
    /// Password. Prefer the DX_PASSWORD environment variable or --password-stdin: a flag is
    /// visible to other users of the machine.
    #[arg(long = "dxPassword")]
    pub dx_password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// DAM API port of the publisher.
    #[arg(long = "damAPIPort", default_value_t = 443)]
    pub dam_api_port: u32,
    /// Ring (core) API port of the publisher.
    #[arg(long = "ringAPIPort", default_value_t = 443)]
    pub ring_api_port: u32,
    /// DAM API version.
    #[arg(long = "damAPIVersion", default_value = "v1")]
    pub dam_api_version: String,
    /// Ring API version.
    #[arg(long = "ringAPIVersion", default_value = "v1")]
    pub ring_api_version: String,
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
    /// A find still running after this many seconds is diagnosed as stuck (HCL: 1800).
    #[arg(long = "stuck-limit-secs", default_value_t = dx_staging::workflow::STUCK_LIMIT_SECS)]
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

/// The subscriber environment's own connection (beyond DXClient): same protocol, user and
/// password as the publisher.
#[derive(Debug, Args, Clone)]
pub struct SubscriberEnv {
    /// Subscriber environment: its host name. Same protocol, user and password as the publisher.
    #[arg(long = "subscriber-hostname")]
    pub subscriber_hostname: Option<String>,
    /// Subscriber environment: its Ring and DAM API port.
    #[arg(long = "subscriber-port", default_value_t = 443)]
    pub subscriber_port: u32,
    /// Subscriber environment: a CA file for it.
    #[arg(long = "subscriber-ca-file")]
    pub subscriber_ca_file: Option<PathBuf>,
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
        assert_eq!(conn.hostname, "dam-staging-publisher.domain.com");
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
