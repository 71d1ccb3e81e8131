//! "Compare on both environments": one record's details from the publisher and from the
//! subscriber environment (`GET /staging/records/{type}/{id}?details=true` on each), flattened to
//! dotted fields and compared field by field.

use std::collections::BTreeMap;

use mismatch_report::RecordType;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::Result;

/// One field of a record on both environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldComparison {
    /// Dotted path of the field (`metadata.title`).
    pub field: String,
    /// Value on the publisher (`None`: absent).
    pub publisher: Option<String>,
    /// Value on the subscriber (`None`: absent).
    pub subscriber: Option<String>,
    /// The values differ.
    pub differs: bool,
}

/// A record as the publisher and the linked subscriber environment see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordComparison {
    /// Record type.
    pub record_type: RecordType,
    /// Record id.
    pub record_id: String,
    /// The publisher has the record.
    pub on_publisher: bool,
    /// The subscriber has the record (`None`: not checked, no linked profile).
    pub on_subscriber: Option<bool>,
    /// Why the subscriber side is missing, when it could not be read.
    pub subscriber_note: Option<String>,
    /// Field by field, differences first.
    pub fields: Vec<FieldComparison>,
}

/// The subscriber environment's side of a comparison: its client, or why there is none (no
/// linked profile, no password, ...), which the comparison shows instead of its fields.
#[derive(Debug, Clone, Copy)]
pub enum SubscriberSide<'a> {
    /// Read the record there.
    Client(&'a Client),
    /// Not read, for this reason.
    Unavailable(&'a str),
}

/// Reads one record on the publisher and, when it can, on the subscriber environment, and
/// compares them. A failure on the subscriber side becomes its note; one on the publisher is the
/// error.
pub async fn compare_record(
    publisher: &Client,
    subscriber: SubscriberSide<'_>,
    record_type: &RecordType,
    record_id: &str,
) -> Result<RecordComparison> {
    let on_publisher = publisher
        .records()
        .details(record_type.as_str(), record_id)
        .await?;
    let (on_subscriber, note) = match subscriber {
        SubscriberSide::Unavailable(why) => (None, Some(why.to_string())),
        SubscriberSide::Client(c) => {
            match c.records().details(record_type.as_str(), record_id).await {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(e.to_string())),
            }
        }
    };
    Ok(compare(
        record_type,
        record_id,
        on_publisher.as_ref(),
        on_subscriber.as_ref().map(|x| x.as_ref()),
        note,
    ))
}

/// Flattens JSON into `path → text` (objects by key, arrays by index; scalars as JSON text
/// without quotes for strings).
pub fn flatten(v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                walk(x, join(k), out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                walk(x, join(&i.to_string()), out);
            }
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

/// Builds the comparison: every field of either side, differences first, then by name.
pub fn compare(
    record_type: &RecordType,
    record_id: &str,
    publisher: Option<&Value>,
    subscriber: Option<Option<&Value>>,
    subscriber_note: Option<String>,
) -> RecordComparison {
    let p = publisher.map(flatten).unwrap_or_default();
    let s = subscriber.flatten().map(flatten).unwrap_or_default();
    let mut names: Vec<&String> = p.keys().chain(s.keys()).collect();
    names.sort();
    names.dedup();
    let checked = subscriber.is_some();
    let mut fields: Vec<FieldComparison> = names
        .into_iter()
        .map(|n| {
            let (a, b) = (p.get(n).cloned(), s.get(n).cloned());
            FieldComparison {
                field: n.clone(),
                differs: checked && a != b,
                publisher: a,
                subscriber: b,
            }
        })
        .collect();
    fields.sort_by(|x, y| {
        y.differs
            .cmp(&x.differs)
            .then_with(|| x.field.cmp(&y.field))
    });
    RecordComparison {
        record_type: record_type.clone(),
        record_id: record_id.to_string(),
        on_publisher: publisher.is_some(),
        on_subscriber: subscriber.map(|x| x.is_some()),
        subscriber_note,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_nested_values() {
        let f = flatten(&json!({"a": {"b": 1, "c": [true, "x"]}, "d": null, "e": {}}));
        assert_eq!(f["a.b"], "1");
        assert_eq!(f["a.c.0"], "true");
        assert_eq!(f["a.c.1"], "x");
        assert_eq!(f["d"], "null");
        assert_eq!(f["e"], "{}");
    }

    #[test]
    fn marks_differences_first() {
        let p = json!({"id": "r1", "name": "hero.jpg", "hash": "aa"});
        let s = json!({"id": "r1", "name": "hero.jpg", "hash": "bb", "extra": 1});
        let c = compare(&RecordType::Rendition, "r1", Some(&p), Some(Some(&s)), None);
        assert_eq!(c.on_subscriber, Some(true));
        let diff: Vec<&str> = c
            .fields
            .iter()
            .filter(|f| f.differs)
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(diff, ["extra", "hash"]);
        assert!(!c.fields[2].differs);
        // Missing on the subscriber: every publisher field differs.
        let c = compare(&RecordType::Rendition, "r1", Some(&p), Some(None), None);
        assert_eq!(c.on_subscriber, Some(false));
        assert!(c.fields.iter().all(|f| f.differs));
        // Not checked: nothing is marked.
        let c = compare(
            &RecordType::Rendition,
            "r1",
            Some(&p),
            None,
            Some("no linked profile".into()),
        );
        assert_eq!(c.on_subscriber, None);
        assert!(c.fields.iter().all(|f| !f.differs));
    }
}
