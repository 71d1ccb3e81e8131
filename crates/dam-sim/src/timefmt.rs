//! Timestamps as DX writes them: RFC 3339 UTC with milliseconds (`2024-05-01T12:00:00.000Z`).

use chrono::{SecondsFormat, Utc};
use std::time::Duration;

/// Now, formatted.
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The instant `ago` before now, formatted (same format, so strings compare in time order).
pub(crate) fn before(ago: Duration) -> String {
    let ago = chrono::Duration::from_std(ago).unwrap_or(chrono::Duration::zero());
    (Utc::now() - ago).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_compare_in_time_order() {
        let a = super::before(std::time::Duration::from_secs(5));
        let b = super::now();
        assert!(a < b, "{a} < {b}");
        assert!(b.ends_with('Z') && b.len() == 24, "{b}");
    }
}
