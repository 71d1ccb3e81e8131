//! Configuration of one simulated DX environment.

use std::collections::HashMap;
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

/// Which operations a find creates on the publisher (see the crate README, "Which DX it models").
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FindOperations {
    /// Today's DX (CF218 and later), as HCL's operations framework page lists them: one
    /// `initiateCollectionTreeTraversal` per find (it creates the mismatch logs), with
    /// `processCollection`, `processCollectionItems` and `compareRecords` operations as it
    /// works and a `findStagingPermissionsMismatch` for the `RESOURCE` and `PERMISSION`
    /// records. A resync creates a `resyncSubscriber` operation.
    #[default]
    Current,
    /// HCL's first feature page: one `findStagingMismatch` operation per find and no operation
    /// for a resync.
    Legacy,
}

/// Settings of one environment. Build with [`EnvConfig::new`] and change fields as needed;
/// [`EnvConfig::older_dx`] switches every behaviour that differs between today's DX and the
/// one HCL's first feature page describes back to the older one at once.
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
    /// Keep a subscriber's old mismatch logs when a new find starts, as today's DX does (HCL
    /// tells administrators to delete them before re-running a find). Default true; false (the
    /// [`EnvConfig::older_dx`] preset): a find replaces them.
    pub keep_logs_on_find: bool,
    /// The find compares only the first `max_records_to_compare` records of each type, then
    /// completes as usual (a server whose find stopped at `maxRecordsToCompare`). Default false.
    pub find_stops_after_first_batch: bool,
    /// Paging of the list endpoints. Default: strict (limit 1..=100,000, default 1000, exact
    /// offsets).
    pub paging: PagingQuirks,
    /// The operations a find (and a resync) creates on the publisher. Default
    /// [`FindOperations::Current`]; the older preset: [`FindOperations::Legacy`].
    pub find_operations: FindOperations,
    /// A `PATCH /staging/subscriber/{id}` trigger (`FIND_MISMATCH_START`,
    /// `RESYNC_TRIGGER_START`) while a find or resync runs for that subscriber answers 409.
    /// Default false: it answers 200 with the subscriber as it is and the running job goes on
    /// (HCL's spec lists no 409 for that PATCH). The older preset: true.
    pub conflict_on_second_trigger: bool,
    /// The public records endpoints (`/staging/records`, `…/{recordType}`, `…/summary`,
    /// `…/{id}`) accept only the ten record types of HCL's spec: `PERMISSION` and `RESOURCE`
    /// are a 400 naming the parameter and the allowed values. The find compares those two
    /// types through the simulator's internal `/sim/v1/staging/records…` routes. Default true;
    /// the older preset: false (all twelve types on the public endpoints).
    pub strict_record_types: bool,
    /// Periodic staging: every subscriber registered with `status: true` is synced every
    /// `cycleLength` simulated minutes (missing: 2; clamped to 1..=1440). Default true; the
    /// older preset: false.
    pub staging_cycles: bool,
    /// The length of one simulated minute (staging cycles, [`EnvConfig::find_duration_minutes`]).
    /// Default 60 s; tests use a fast clock such as 20 ms.
    pub minute: Duration,
    /// Routine `sync*` operations each staging cycle creates on the subscriber even when
    /// nothing changed (they read a publisher record and write nothing; their inputs carry
    /// `routine: true` and the cycle's `cycleId`). Default 2; `POST /sim/v1/cycles
    /// {"syncOperations": N}` changes it at runtime.
    pub cycle_sync_operations: usize,
    /// Credentials this environment logs in with when it calls another environment, by that
    /// environment's `targetHost` (as registered) or base URL: the simulator's stand-in for
    /// DX's `<release>-dam-staging` secret. A host without an entry gets this environment's own
    /// `username`/`password`. Default empty; `POST /sim/v1/peer-credentials` sets entries at
    /// runtime.
    pub peer_credentials: HashMap<String, (String, String)>,
    /// Make every find last about this many simulated minutes ([`EnvConfig::minute`]): its
    /// windows are spread evenly over the time, and while it waits the running operations'
    /// `updated` changes every simulated minute. `None` (default): as fast as the comparison
    /// goes (plus [`EnvConfig::find_batch_delay`] per window).
    pub find_duration_minutes: Option<u32>,
}

impl EnvConfig {
    /// A configuration with the documented defaults: port 0 on 127.0.0.1, admin
    /// `wpsadmin`/`wpsadmin`, non-admin `dxuser`/`dxuser`, token lifetime 2 h, plain HTTP,
    /// `maxRecordsToCompare` 1000, no artificial delays, `SUCCESS` operations kept 2 s,
    /// 3 attempts per operation, and today's DX (CF218 and later): today's find operations,
    /// mismatch logs kept across finds, 200 for a second trigger, the spec's ten record types
    /// on the public records endpoints, periodic staging cycles with 60-second minutes.
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
            keep_logs_on_find: true,
            find_stops_after_first_batch: false,
            paging: PagingQuirks::default(),
            find_operations: FindOperations::Current,
            conflict_on_second_trigger: false,
            strict_record_types: true,
            staging_cycles: true,
            minute: Duration::from_secs(60),
            cycle_sync_operations: 2,
            peer_credentials: HashMap::new(),
            find_duration_minutes: None,
        }
    }

    /// The older DX of HCL's first feature page, for tests that model it: a find creates one
    /// `findStagingMismatch` operation ([`FindOperations::Legacy`]) and replaces the
    /// subscriber's logs (`keep_logs_on_find` false), a second trigger while a job runs is a
    /// 409 (`conflict_on_second_trigger`), the public records endpoints accept all twelve
    /// record types (`strict_record_types` false) and there are no periodic staging cycles
    /// (`staging_cycles` false). Other fields are left as they are.
    pub fn older_dx(mut self) -> Self {
        self.set_older_dx();
        self
    }

    /// [`EnvConfig::older_dx`] in place (for code that holds a `&mut EnvConfig`).
    pub fn set_older_dx(&mut self) {
        self.find_operations = FindOperations::Legacy;
        self.keep_logs_on_find = false;
        self.conflict_on_second_trigger = true;
        self.strict_record_types = false;
        self.staging_cycles = false;
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
        if self.minute.is_zero() {
            return bad("minute");
        }
        if self.username.is_empty() {
            return Err(crate::SimError::Config("username must not be empty".into()));
        }
        Ok(())
    }
}
