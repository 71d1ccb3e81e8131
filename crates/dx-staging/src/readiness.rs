//! May a subscriber's mismatch report be downloaded now? DXClient's rule since CF221
//! (`get-staging-mismatch-report -forceDownload <value>`): a report is downloaded when the find
//! finished (`FIND_MISMATCH_COMPLETED`); otherwise only when asked to, since it is not accurate
//! (HCL, "DAM Staging Mismatch and Resync": "If the status is not FIND_MISMATCH_COMPLETED, you
//! can still download the report but it is not accurate").
//!
//! The cases, as this crate reads HCL's pages (ARCHITECTURE.md, "Which DX"):
//!
//! | `resyncStatus` | without force | with force |
//! | --- | --- | --- |
//! | `FIND_MISMATCH_COMPLETED`, `RESYNC_TRIGGER_*` (the logs are the finished find's) | download | download |
//! | `FIND_MISMATCH_START` (the find still runs) | refused | download, marked possibly inaccurate |
//! | `FIND_MISMATCH_FAILED` (the logs are partial) | refused | download, marked possibly inaccurate |
//! | none (no find has run for it) | refused: nothing to download | download (whatever logs there are) |
//! | a value this version does not know | refused | download, marked possibly inaccurate |
//!
//! An unknown or deregistered subscriber cannot be downloaded at all: the read of the
//! subscriber answers 404 ([`crate::Error::UnknownSubscriber`]) before this rule is asked.

use crate::error::{Error, Result, Rule};
use crate::model::{ResyncStatus, Subscriber};

/// What [`check`] decided for one subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// The find finished: the report is accurate.
    Complete,
    /// Downloaded because the caller forced it; the words say why it may be inaccurate.
    Forced(String),
}

impl Readiness {
    /// Whether the report may be inaccurate (downloaded by force).
    pub fn possibly_inaccurate(&self) -> bool {
        matches!(self, Readiness::Forced(_))
    }
}

/// Why a report of a subscriber in this status is not accurate; `None` when it is.
pub fn why_not_ready(status: Option<&ResyncStatus>) -> Option<String> {
    match status {
        Some(ResyncStatus::FindMismatchCompleted)
        | Some(ResyncStatus::ResyncTriggerStart)
        | Some(ResyncStatus::ResyncTriggerCompleted)
        | Some(ResyncStatus::ResyncTriggerFailed) => None,
        Some(ResyncStatus::FindMismatchStart) => Some(
            "the find is still running (FIND_MISMATCH_START): its report is not complete yet"
                .into(),
        ),
        Some(ResyncStatus::FindMismatchFailed) => Some(
            "the find failed (FIND_MISMATCH_FAILED): its report holds only what it found before failing"
                .into(),
        ),
        None => Some("no find has run for this subscriber: there is no report to download".into()),
        Some(other) => Some(format!(
            "the subscriber's status is {other}, not FIND_MISMATCH_COMPLETED: the report may not be accurate"
        )),
    }
}

/// Decides whether `subscriber`'s report may be downloaded; `force` is DXClient's
/// `-forceDownload true`. Refused ([`Rule::FindNotComplete`]) with the reason and the way out.
pub fn check(subscriber: &Subscriber, force: bool) -> Result<Readiness> {
    match why_not_ready(subscriber.resync_status.as_ref()) {
        None => Ok(Readiness::Complete),
        Some(why) if force => Ok(Readiness::Forced(why)),
        Some(why) => Err(Error::Refused {
            rule: Rule::FindNotComplete,
            message: format!(
                "the report of subscriber {} was not downloaded: {why}. Wait for FIND_MISMATCH_COMPLETED, or download it anyway (forceDownload), knowing it is not accurate",
                subscriber.id_str()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(status: Option<ResyncStatus>) -> Subscriber {
        Subscriber {
            id: Some("s-1".into()),
            resync_status: status,
            ..Subscriber::default()
        }
    }

    #[test]
    fn a_finished_find_downloads_with_or_without_force() {
        for st in [
            ResyncStatus::FindMismatchCompleted,
            ResyncStatus::ResyncTriggerStart,
            ResyncStatus::ResyncTriggerCompleted,
            ResyncStatus::ResyncTriggerFailed,
        ] {
            assert_eq!(
                check(&sub(Some(st.clone())), false).unwrap(),
                Readiness::Complete
            );
            assert_eq!(check(&sub(Some(st)), true).unwrap(), Readiness::Complete);
        }
    }

    #[test]
    fn an_unfinished_find_is_refused_unless_forced() {
        for (st, words) in [
            (Some(ResyncStatus::FindMismatchStart), "still running"),
            (Some(ResyncStatus::FindMismatchFailed), "failed"),
            (None, "no find has run"),
            (Some(ResyncStatus::Other("PAUSED".into())), "PAUSED"),
        ] {
            let e = check(&sub(st.clone()), false).unwrap_err();
            assert!(
                matches!(&e, Error::Refused { rule: Rule::FindNotComplete, message } if message.contains(words) && message.contains("s-1") && message.contains("forceDownload")),
                "{e}"
            );
            let forced = check(&sub(st), true).unwrap();
            assert!(forced.possibly_inaccurate());
            assert!(matches!(forced, Readiness::Forced(w) if w.contains(words)));
        }
    }
}
