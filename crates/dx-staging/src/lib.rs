//! The engine under the DAM staging console: connection profiles, a DX client (Ring login with
//! the `LtpaToken2` cookie, the DAM staging, mismatch, operations and records calls, retries),
//! and the find → report → resync → verify workflow. No Tauri, no UI.
//!
//! ```no_run
//! # async fn demo() -> dx_staging::Result<()> {
//! use dx_staging::{Client, Profile};
//! let profile = Profile::new("dam-publisher.example.com", "wpsadmin");
//! let client = Client::builder(&profile, "password").build()?;
//! for s in client.subscribers().list().await? {
//!     println!("{} {:?}", s.id_str(), s.resync_status);
//! }
//! # Ok(()) }
//! ```

pub mod client;
pub mod counts;
pub mod coverage;
pub mod error;
pub mod fleet;
pub mod fsname;
pub mod hostname;
pub mod journal;
pub mod keep_then_delete;
pub mod model;
pub mod profile;
pub mod readiness;
pub mod record_compare;
pub mod report;
pub mod schedule;
pub mod secret;
pub mod workflow;

pub use client::{Client, ClientBuilder, RetryPolicy, TriggerKind, TriggerOutcome};
pub use error::{Error, ErrorCode, Result, Rule};
pub use fleet::{assess, Assessment, FleetState, SubscriberFacts};
pub use journal::{
    read_journal, AnswerOutcome, Journal, JournalAction, JournalAnswer, JournalEntry,
    JournalFilter, JournalRead,
};
pub use keep_then_delete::archive_then_delete_logs;
pub use model::{Operation, OperationStatus, ResyncStatus, Subscriber};
pub use profile::{Profile, Protocol, Timeouts, TlsMode};
pub use report::{fetch_report, FetchOptions, ReportMeta, ReportRequest};
pub use schedule::{Due, Schedule, ScheduleError, ScheduleField};
pub use secret::Secret;
pub use workflow::{
    FindWatch, Outcome, Phase, Progress, RunConfig, RunKind, RunState, Runner, Warning,
};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn app_facing_types_are_send_and_sync() {
        assert_send_sync::<crate::Client>();
        assert_send_sync::<crate::Runner>();
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::RunState>();
        assert_send_sync::<crate::Progress>();
    }
}
