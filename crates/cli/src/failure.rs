//! How a command fails: a usage problem, a bad settings file, or an error of `dx-staging`
//! (with, at times, what the command was doing and what to do about it).

use dx_staging::Error;

use crate::{exit, output};

/// Why a command stopped.
pub enum Failure {
    /// Bad flags or values (exit 2).
    Usage(String),
    /// The settings file (store/config.json, --config) cannot be used (exit 1).
    Config(String),
    /// An error of `dx-staging`; `context` says what was being done, `hint` what to do.
    Dx {
        /// The error.
        error: Error,
        /// What the command was doing (put before the error).
        context: Option<String>,
        /// What to do about it (put after the error).
        hint: Option<String>,
    },
}

/// A command's result.
pub type Outcome<T> = Result<T, Failure>;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidProfile { .. } => Failure::Usage(e.to_string()),
            other => Failure::Dx {
                error: other,
                context: None,
                hint: None,
            },
        }
    }
}

impl Failure {
    /// `e`, said to have happened while doing `context`.
    pub fn during(context: impl Into<String>, e: Error) -> Self {
        Failure::Dx {
            error: e,
            context: Some(context.into()),
            hint: None,
        }
    }

    /// Prints the failure on stderr and answers the exit code.
    pub fn report(self, json: bool) -> u8 {
        match self {
            Failure::Usage(m) => {
                output::usage(json, &m);
                exit::USAGE
            }
            Failure::Config(m) => {
                output::problem(json, "config", &m);
                exit::OTHER
            }
            Failure::Dx {
                error,
                context,
                hint,
            } => {
                output::error(json, &error, context.as_deref(), hint.as_deref());
                exit::for_error(&error)
            }
        }
    }
}

/// A result of `dx-staging` with what was being done attached to its error.
pub trait Context<T> {
    /// On error: it happened while doing `context`.
    fn during(self, context: impl FnOnce() -> String) -> Outcome<T>;
}

impl<T> Context<T> for Result<T, Error> {
    fn during(self, context: impl FnOnce() -> String) -> Outcome<T> {
        self.map_err(|e| Failure::during(context(), e))
    }
}
