//! Configuration of one simulated DX environment.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

/// Default admin user name of a simulated environment (DX's customary `wpsadmin`).
pub const DEFAULT_USERNAME: &str = "wpsadmin";
/// Default admin password of a simulated environment (for local tests only).
pub const DEFAULT_PASSWORD: &str = "wpsadmin";
/// Default non-admin user (gets 403 on every staging call).
pub const DEFAULT_NON_ADMIN_USERNAME: &str = "dxuser";
/// Default password of the non-admin user.
pub const DEFAULT_NON_ADMIN_PASSWORD: &str = "dxuser";

/// What an environment is for. Every environment serves the same API (an environment can
/// be both publisher and subscriber in DX); the role labels it in `/sim/v1/stats` and the
/// start line of the `serve` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The authoring environment: subscribers are registered here, find and resync run here.
    Publisher,
    /// The rendering environment: answers the hash endpoints and runs the `sync*` operations.
    Subscriber,
}

impl Role {
    /// `"publisher"` or `"subscriber"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "publisher",
            Role::Subscriber => "subscriber",
        }
    }
}

/// How the list endpoints (`/staging/mismatches`, `/operations`) page, where HCL's spec leaves
/// room: it types `offset`/`limit` as strings with no documented default, maximum or order, so
/// a real DX server may differ from the simulator's strict defaults in each of these ways.
/// Tests use them to check that a client cannot lose or duplicate rows.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PagingQuirks {
    /// Page size when a request has no `limit`. `None`: 1000.
    pub default_limit: Option<u64>,
    /// Serve at most this many rows per page, silently, whatever `limit` asked (instead of the
    /// strict 400 for a `limit` above 100,000). `None`: no cap.
    pub limit_cap: Option<u64>,
    /// Ignore `offset`: every page starts at the first row.
    pub ignore_offset: bool,
}

/// Settings of one environment. Build with [`EnvConfig::new`] and change fields as needed.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct EnvConfig {
    /// Publisher or subscriber (a label; both serve the whole API).
    pub role: Role,
    /// The SQLite database file (created if missing; WAL mode). Everything persists here.
    pub db_path: PathBuf,
    /// TCP port; 0 picks a free one (see [`crate::RunningEnv::port`]). Default 0.
    pub port: u16,
    /// Address to bind. Default `127.0.0.1`.
    pub bind: IpAddr,
    /// The DX admin user. Default [`DEFAULT_USERNAME`].
    pub username: String,
    /// The admin's password. Default [`DEFAULT_PASSWORD`].
    pub password: String,
    /// A non-admin user (user name, password) that can log in but gets 403 on staging calls;
    /// `None` disables it. Default `Some(("dxuser", "dxuser"))`.
    pub non_admin: Option<(String, String)>,
    /// Lifetime of an `LtpaToken2` session token. Default 2 hours (DX's LTPA default).
    pub token_ttl: Duration,
    /// Serve HTTPS with a generated self-signed certificate (CA PEM written next to the DB).
    /// Default false.
    pub tls: bool,
    /// Extra CA certificates (PEM files) trusted for outgoing publisher ⇄ subscriber calls.
    /// The environment's own CA (with `tls`) is always trusted. Default empty.
    pub trusted_ca_pems: Vec<PathBuf>,
    /// Records compared per batch by the find job (DX's `maxRecordsToCompare`). Default 1000.
    pub max_records_to_compare: usize,
    /// Pause after each compared batch of the find job (to make jobs observable). Default 0.
    pub find_batch_delay: Duration,
    /// How often the operation worker looks for work when idle. Default 100 ms.
    pub worker_interval: Duration,
    /// Operations the worker takes per round. Default 64.
    pub worker_batch: usize,
    /// Operations processed concurrently by the worker. Default 8.
    pub worker_concurrency: usize,
    /// Extra time each `sync*` operation spends in `PROCESSING`. Default 0.
    pub sync_op_delay: Duration,
    /// How long a `SUCCESS` operation stays listed before it is removed. Default 2 s.
    pub success_retention: Duration,
    /// Attempts of an operation before it ends `FAILED` (each failed attempt before that is
    /// `RETRY`, `retryCounter` + 1). Default 3.
    pub max_retries: u32,
    /// Timeout of one publisher ⇄ subscriber HTTP call. Default 30 s.
    pub peer_timeout: Duration,
    /// Keep a subscriber's old mismatch logs when a new find starts (as a real DX server may:
    /// HCL tells administrators to delete them before re-running a find). Default false: a find
    /// replaces them.
    pub keep_logs_on_find: bool,
    /// The find compares only the first `max_records_to_compare` records of each type, then
    /// completes as usual (a server whose find stopped at `maxRecordsToCompare`). Default false.
    pub find_stops_after_first_batch: bool,
    /// Paging of the list endpoints. Default: strict (limit 1..=100,000, default 1000, exact
    /// offsets).
    pub paging: PagingQuirks,
}

impl EnvConfig {
    /// A configuration with the documented defaults: port 0 on 127.0.0.1, admin
    /// `wpsadmin`/`wpsadmin`, non-admin `dxuser`/`dxuser`, token lifetime 2 h, plain HTTP,
    /// `maxRecordsToCompare` 1000, no artificial delays, `SUCCESS` operations kept 2 s,
    /// 3 attempts per operation.
    pub fn new(role: Role, db_path: impl Into<PathBuf>) -> Self {
        EnvConfig {
            role,
            db_path: db_path.into(),
            port: 0,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            username: DEFAULT_USERNAME.to_string(),
            password: DEFAULT_PASSWORD.to_string(),
            non_admin: Some((
                DEFAULT_NON_ADMIN_USERNAME.to_string(),
                DEFAULT_NON_ADMIN_PASSWORD.to_string(),
            )),
            token_ttl: Duration::from_secs(2 * 60 * 60),
            tls: false,
            trusted_ca_pems: Vec::new(),
            max_records_to_compare: 1000,
            find_batch_delay: Duration::ZERO,
            worker_interval: Duration::from_millis(100),
            worker_batch: 64,
            worker_concurrency: 8,
            sync_op_delay: Duration::ZERO,
            success_retention: Duration::from_secs(2),
            max_retries: 3,
            peer_timeout: Duration::from_secs(30),
            keep_logs_on_find: false,
            find_stops_after_first_batch: false,
            paging: PagingQuirks::default(),
        }
    }

    /// Checks the values that must be positive; the error names the field.
    pub(crate) fn validate(&self) -> Result<(), crate::SimError> {
        let bad = |f: &str| {
            Err(crate::SimError::Config(format!(
                "{f} must be greater than 0"
            )))
        };
        if self.max_records_to_compare == 0 {
            return bad("max_records_to_compare");
        }
        if self.worker_batch == 0 {
            return bad("worker_batch");
        }
        if self.worker_concurrency == 0 {
            return bad("worker_concurrency");
        }
        if self.max_retries == 0 {
            return bad("max_retries");
        }
        if self.paging.default_limit == Some(0) {
            return bad("paging.default_limit");
        }
        if self.paging.limit_cap == Some(0) {
            return bad("paging.limit_cap");
        }
        if self.username.is_empty() {
            return Err(crate::SimError::Config("username must not be empty".into()));
        }
        Ok(())
    }
}
