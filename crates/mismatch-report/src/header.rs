//! Matching a CSV header to the mismatch row's columns, whatever its spelling and order.

use crate::error::{shorten, ReportError};
use crate::model::CANONICAL_HEADER;

/// A column of a mismatch report: one of the canonical ten, or an extra column by position.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Column {
    /// `subscriberId`
    SubscriberId,
    /// `recordType`
    RecordType,
    /// `recordAction`
    RecordAction,
    /// `recordId`
    RecordId,
    /// `collectionId`
    CollectionId,
    /// `name`
    Name,
    /// `publisherHash`
    PublisherHash,
    /// `subscriberHash`
    SubscriberHash,
    /// `created`
    Created,
    /// `logId`
    LogId,
    /// The n-th extra column (0-based, in file order).
    Extra(u16),
}

impl Column {
    /// The ten canonical columns in file order.
    pub const CANONICAL: [Column; 10] = [
        Column::SubscriberId,
        Column::RecordType,
        Column::RecordAction,
        Column::RecordId,
        Column::CollectionId,
        Column::Name,
        Column::PublisherHash,
        Column::SubscriberHash,
        Column::Created,
        Column::LogId,
    ];

    /// Position among the canonical columns (`None` for extras).
    pub fn canonical_index(self) -> Option<usize> {
        Column::CANONICAL.iter().position(|c| *c == self)
    }

    /// The canonical header text (`None` for extras).
    pub fn canonical_name(self) -> Option<&'static str> {
        self.canonical_index().map(|i| CANONICAL_HEADER[i])
    }
}

/// Normalises a header cell: lower case, without spaces, `_`, `-` and `.`.
pub fn normalise_header(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The canonical column a header cell means, if any.
pub fn match_header(h: &str) -> Option<Column> {
    let n = normalise_header(h);
    Some(match n.as_str() {
        "subscriberid" | "subscriber" => Column::SubscriberId,
        "recordtype" | "type" => Column::RecordType,
        "recordaction" | "action" => Column::RecordAction,
        "recordid" | "record" => Column::RecordId,
        "collectionid" | "collection" => Column::CollectionId,
        "name" | "recordname" | "filename" | "title" => Column::Name,
        "publisherhash" | "pubhash" | "hashpublisher" => Column::PublisherHash,
        "subscriberhash" | "subhash" | "hashsubscriber" => Column::SubscriberHash,
        "created" | "createdat" | "createdon" | "createddate" | "timestamp" | "date" => {
            Column::Created
        }
        "logid" | "id" | "mismatchid" | "mismatchlogid" => Column::LogId,
        _ => return None,
    })
}

/// How the fields of each line map onto a mismatch row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// For each field of a line, in file order, the column it fills.
    pub fields: Vec<Column>,
    /// The header names of the extra columns, in file order.
    pub extra: Vec<String>,
    /// The header as read.
    pub raw: Vec<String>,
}

impl HeaderMap {
    /// Builds the map from a header line. Needs at least `recordType`, `recordAction`, `recordId`.
    pub fn from_header(cells: &[String]) -> Result<Self, ReportError> {
        let mut fields = Vec::with_capacity(cells.len());
        let mut extra = Vec::new();
        let mut seen: [Option<usize>; 10] = [None; 10];
        for (i, cell) in cells.iter().enumerate() {
            match match_header(cell) {
                Some(c) => {
                    let k = c.canonical_index().unwrap_or(0);
                    if let Some(first) = seen[k] {
                        return Err(ReportError::DuplicateColumn {
                            column: CANONICAL_HEADER[k],
                            first: shorten(&cells[first]),
                            second: shorten(cell),
                        });
                    }
                    seen[k] = Some(i);
                    fields.push(c);
                }
                None => {
                    let n = u16::try_from(extra.len()).map_err(|_| ReportError::TooLarge {
                        what: "more than 65535 extra columns".into(),
                    })?;
                    fields.push(Column::Extra(n));
                    extra.push(cell.trim_start_matches('\u{feff}').to_string());
                }
            }
        }
        if seen.iter().all(Option::is_none) {
            return Err(ReportError::UnrecognisedHeader {
                found: shorten(&cells.join(",")),
            });
        }
        for c in [Column::RecordType, Column::RecordAction, Column::RecordId] {
            if seen[c.canonical_index().unwrap_or(0)].is_none() {
                return Err(ReportError::MissingColumn {
                    column: c.canonical_name().unwrap_or(""),
                });
            }
        }
        Ok(HeaderMap {
            fields,
            extra,
            raw: cells.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_match() {
        for h in [
            "record_type",
            "Record Type",
            "recordType",
            "type",
            "RECORD-TYPE",
            "\u{feff}recordType",
        ] {
            assert_eq!(match_header(h), Some(Column::RecordType), "{h}");
        }
        assert_eq!(match_header("id"), Some(Column::LogId));
        assert_eq!(match_header("Collection ID"), Some(Column::CollectionId));
        assert_eq!(match_header("tenant"), None);
    }

    #[test]
    fn header_map_keeps_extras_and_checks_required() {
        let h: Vec<String> = ["Record Action", "tenant", "record_id", "TYPE"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = HeaderMap::from_header(&h).unwrap();
        assert_eq!(
            m.fields,
            vec![
                Column::RecordAction,
                Column::Extra(0),
                Column::RecordId,
                Column::RecordType
            ]
        );
        assert_eq!(m.extra, vec!["tenant"]);

        let bad: Vec<String> = vec!["a".into(), "b".into()];
        assert!(matches!(
            HeaderMap::from_header(&bad),
            Err(ReportError::UnrecognisedHeader { .. })
        ));
        let missing: Vec<String> = vec!["type".into(), "action".into()];
        assert!(matches!(
            HeaderMap::from_header(&missing),
            Err(ReportError::MissingColumn { column: "recordId" })
        ));
        let dup: Vec<String> = vec!["type".into(), "recordType".into()];
        assert!(matches!(
            HeaderMap::from_header(&dup),
            Err(ReportError::DuplicateColumn { .. })
        ));
    }
}
