//! The audit journal: one line of JSON per thing the user asked of DX or changed locally (find
//! and resync triggers, deletions of mismatch data, report exports, connection-profile changes,
//! scheduled checks), appended to one file that the app and the CLI share, read back with
//! damaged lines reported rather than lost, filtered, and exported as CSV.
//!
//! No entry carries a secret: there is no field for one, the builders take none, and the free
//! texts (`asked`, the answer's message, `detail`) go through [`redact_secrets`] before they are
//! written.
//!
//! ```no_run
//! # fn demo() -> dx_staging::Result<()> {
//! use dx_staging::journal::{Journal, JournalAction, JournalAnswer, JournalFilter};
//! let journal = Journal::open("data/journal.jsonl")?;
//! journal.append(
//!     &dx_staging::JournalEntry::new(
//!         JournalAction::FindTriggered,
//!         "Find mismatches on subscriber 5f0c…",
//!         JournalAnswer::accepted(Some(200)),
//!     )
//!     .with_subscriber("5f0c…"),
//! )?;
//! let read = journal.read()?;
//! let newest_first = JournalFilter::default().apply(&read.entries);
//! let mut csv = Vec::new();
//! dx_staging::journal::write_csv(newest_first, &mut csv)?;
//! # Ok(()) }
//! ```

mod entry;
mod export;
mod file;
mod filter;
mod redact;

pub use entry::{AnswerOutcome, JournalAction, JournalAnswer, JournalEntry};
pub use export::{export_csv, write_csv, CSV_HEADER};
pub use file::{read_journal, Journal, JournalRead, SkippedLine};
pub use filter::JournalFilter;
pub use redact::redact_secrets;
