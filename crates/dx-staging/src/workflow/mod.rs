//! Find / resync / verify runs: a pure state machine ([`machine`]), its persisted state
//! ([`state`]) and the async driver that does the I/O ([`driver`]).

pub mod diff;
pub mod driver;
pub mod machine;
pub mod state;

pub use driver::{describe_outcome, DriverOptions, Progress, Runner};
pub use machine::{resume_actions, step, Action, BlockingOperation, Event, PreflightReport};
pub use state::{
    Diagnosis, DiffCounts, Outcome, Phase, ReportInfo, RunConfig, RunKind, RunState, Warning,
};
