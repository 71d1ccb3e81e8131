//! The crate's error type for starting and running environments.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything that can go wrong while starting or running a simulated DX environment.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The SQLite database of an environment could not be opened or prepared.
    #[error("cannot open the simulator database {path}: {source}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A database statement failed.
    #[error("simulator database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The listening socket could not be bound (port in use, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be read or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The self-signed certificate or the TLS server configuration could not be made.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A configuration value is out of range; the message names the field.
    #[error("invalid simulator configuration: {0}")]
    Config(String),
    /// The HTTP client used for publisher ⇄ subscriber calls could not be built.
    #[error("HTTP client setup failed: {0}")]
    HttpClient(String),
    /// A background task could not be run to completion.
    #[error("simulator task failed: {0}")]
    Task(String),
    /// Setting up the demo environments failed; the message says which step.
    #[error("demo setup failed: {0}")]
    Demo(String),
}
