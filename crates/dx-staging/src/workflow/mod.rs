//! Find / resync / verify runs: a pure state machine ([`machine`]), its persisted state
//! ([`state`]), the async driver that does the I/O ([`driver`]) and one run at a time per
//! publisher ([`turns`]).

pub mod diff;
pub mod driver;
pub mod machine;
pub mod state;
pub mod turns;

pub use driver::{describe_outcome, DriverOptions, Progress, Runner};
pub use machine::{resume_actions, step, Action, BlockingOperation, Event, PreflightReport};
pub use state::{
    Diagnosis, DiffCounts, FindWatch, Outcome, Phase, ReportInfo, RunConfig, RunKind, RunState,
    Warning, FIND_STALL_SECS, STUCK_LIMIT_SECS,
};
pub use turns::{PublisherTurns, Turn};
