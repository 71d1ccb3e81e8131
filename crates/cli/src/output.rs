//! Printing results and progress, as text or JSON.

use dx_staging::record_compare::RecordComparison;
use dx_staging::{Error, Progress, Subscriber};
use serde::Serialize;

/// Prints an error on stderr: `dam-staging: [context: ]error[\nhint]`, or with `--json` a JSON
/// line `{"error":{"code","message"[,"rule"]}}` (the message with the context and the hint; the
/// rule of a refusal, such as `find_not_complete`).
pub fn error(json: bool, e: &Error, context: Option<&str>, hint: Option<&str>) {
    let mut message = match context {
        Some(c) => format!("{c}: {e}"),
        None => e.to_string(),
    };
    if json {
        if let Some(h) = hint {
            message.push_str(&format!(" ({h})"));
        }
        let mut err = serde_json::json!({"code": e.code(), "message": message});
        if let Error::Refused { rule, .. } = e {
            err["rule"] = serde_json::json!(rule);
        }
        eprintln!("{}", serde_json::json!({ "error": err }));
    } else {
        if let Some(h) = hint {
            message.push_str(&format!("\n{h}"));
        }
        eprintln!("dam-staging: {message}");
    }
}

/// Prints a problem that is not DX's (a settings file, ...) on stderr, with its `code`.
pub fn problem(json: bool, code: &str, message: &str) {
    if json {
        eprintln!(
            "{}",
            serde_json::json!({"error": {"code": code, "message": message}})
        );
    } else {
        eprintln!("dam-staging: {message}");
    }
}

/// Prints a usage problem on stderr.
pub fn usage(json: bool, message: &str) {
    if json {
        eprintln!(
            "{}",
            serde_json::json!({"error": {"code": "usage", "message": message}})
        );
    } else {
        eprintln!("dam-staging: {message}");
    }
}

/// Prints a warning on stderr: `dam-staging: WARNING: …`, or with `--json` a JSON line
/// `{"warning":{"code","message"}}` (stdout stays the result alone).
pub fn warning(json: bool, code: &str, message: &str) {
    if json {
        eprintln!(
            "{}",
            serde_json::json!({"warning": {"code": code, "message": message}})
        );
    } else {
        eprintln!("dam-staging: WARNING: {message}");
    }
}

/// Prints a result on stdout: JSON with `--json`, else the text.
pub fn result<T: Serialize>(json: bool, value: &T, text: &str) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("dam-staging: cannot print result: {e}"),
        }
    } else {
        println!("{text}");
    }
}

/// Prints one progress event on stderr.
pub fn progress(json: bool, p: &Progress) {
    if json {
        if let Ok(s) = serde_json::to_string(p) {
            eprintln!("{s}");
        }
    } else {
        let secs = p.elapsed_ms / 1000;
        let mut line = format!("[{:02}:{:02}] {}", secs / 60, secs % 60, p.message);
        if p.rows_fetched > 0 && !p.message.contains("fetched") {
            line.push_str(&format!(" ({} rows)", p.rows_fetched));
        }
        eprintln!("{line}");
    }
}

/// The subscriber table of `get-all-subscribers`.
pub fn subscribers_table(list: &[Subscriber]) -> String {
    let mut out = format!(
        "{:<38} {:<28} {:<26} {:<12} {}\n",
        "id", "targetHost", "resyncStatus", "syncStatus", "lastResyncTime"
    );
    for s in list {
        out.push_str(&format!(
            "{:<38} {:<28} {:<26} {:<12} {}\n",
            s.id_str(),
            s.target_host.as_deref().unwrap_or(""),
            s.resync_status.as_ref().map_or("", |x| x.as_str()),
            s.sync_status.as_deref().unwrap_or(""),
            s.last_resync_time.as_deref().unwrap_or("")
        ));
    }
    if list.is_empty() {
        out.push_str("(no subscriber registered)\n");
    }
    out.trim_end().to_string()
}

/// A record compared on both environments: where it exists, then its fields, differences
/// first, each marked `≠`.
pub fn record_comparison(c: &RecordComparison) -> String {
    let yes_no = |b: bool| if b { "present" } else { "MISSING" };
    let subscriber = match (c.on_subscriber, &c.subscriber_note) {
        (Some(b), _) => yes_no(b).to_string(),
        (None, Some(note)) => format!("not read ({note})"),
        (None, None) => "not read".to_string(),
    };
    let mut out = format!(
        "{} {}: publisher {}, subscriber {}\n",
        c.record_type.as_str(),
        c.record_id,
        yes_no(c.on_publisher),
        subscriber
    );
    let differing = c.fields.iter().filter(|f| f.differs).count();
    out.push_str(&format!(
        "{} of {} fields differ\n",
        differing,
        c.fields.len()
    ));
    for f in &c.fields {
        out.push_str(&format!(
            "{} {:<32} {:<30} {}\n",
            if f.differs { "≠" } else { " " },
            f.field,
            f.publisher.as_deref().unwrap_or("—"),
            f.subscriber.as_deref().unwrap_or("—")
        ));
    }
    out.trim_end().to_string()
}
