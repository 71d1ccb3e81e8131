//! `dam-sim`: a faithful stand-in for HCL DX environments doing DAM staging, for tests and the
//! app's demo mode.
//!
//! Each environment is one HTTP server with its own SQLite database: Ring authentication
//! (`/dx/api/core/v1/auth/…`, `LtpaToken2` cookie), the DAM staging, mismatch, records,
//! operations and eventlogs endpoints (`/dx/api/dam/v1/…`) with HCL's paths, parameters and
//! JSON schemas, a find-mismatch job that compares with the subscriber over HTTP, a resync that
//! creates `sync*` operations on the subscriber, periodic staging cycles, and a worker that runs
//! the operations. By default it behaves as today's DX (CF218 and later);
//! [`EnvConfig::older_dx`] switches back to the DX of HCL's first feature page. Tests drive it
//! over HTTP, including the `/sim/v1/…` test interface (seed, mutate, faults, token expiry,
//! stats, staging cycles, peer credentials) documented in the crate's README.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dam_sim::SimError> {
//! let dir = std::env::temp_dir().join("dam-sim-example");
//! let demo = dam_sim::start_demo(dam_sim::DemoConfig::new(&dir)).await?;
//! println!("{}", demo.json_line());
//! # Ok(()) }
//! ```

mod api_error;
mod auth;
mod config;
mod cycles;
mod db;
mod demo;
mod error;
mod faults;
mod find;
mod model;
mod mutate;
mod peer;
mod records;
mod recovery;
mod resync;
mod routes;
mod seed;
mod server;
mod state;
mod timefmt;
mod tls;
mod worker;

pub use config::{
    EnvConfig, FindOperations, PagingQuirks, Role, DEFAULT_NON_ADMIN_PASSWORD,
    DEFAULT_NON_ADMIN_USERNAME, DEFAULT_PASSWORD, DEFAULT_USERNAME,
};
pub use demo::{start_demo, Demo, DemoConfig};
pub use error::SimError;
pub use records::RecordType;
pub use server::{start, RunningEnv};
