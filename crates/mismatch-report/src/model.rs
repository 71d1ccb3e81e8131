//! The mismatch row and its domain values, as DX's `GET /staging/mismatches` logs carry them.

use serde::{Deserialize, Serialize};

/// Defines a DX domain enum: the documented values, spelled as DX spells them, plus
/// `Other(String)` for a value from a later DX release (kept and shown, never an error), with
/// `KNOWN`, `as_str`, lenient `parse`, `is_known`, `Display`, `FromStr` and serde as DX text.
/// Used for `recordType`/`recordAction` here and for DX's status fields in `dx-staging`.
#[macro_export]
macro_rules! domain_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this build does not know (for example from a later DX release): kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every value DX documents, in documentation order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The DX spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }

            /// Parses a DX value; unknown text becomes [`Self::Other`], never an error.
            /// Matching ignores ASCII case and surrounding spaces.
            pub fn parse(text: &str) -> Self {
                let t = text.trim();
                $(if t.eq_ignore_ascii_case($text) { return $name::$variant; })+
                $name::Other(t.to_string())
            }

            /// Whether this is a value DX documents.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }

        // For the UI's generated types: the union of the documented DX spellings. A value this
        // build does not know still arrives verbatim; UI code keeps a default branch for it.
        // The shadow enum lives in a module of its own so that `super::$name` names the real type.
        const _: () = {
            mod shadow {
                #[derive($crate::__private::serde::Serialize, $crate::__private::specta::Type)]
                #[serde(crate = "mismatch_report::__private::serde")]
                #[specta(crate = $crate::__private::specta, remote = super::$name)]
                #[allow(dead_code)]
                enum $name {
                    $(#[serde(rename = $text)] $variant,)+
                }
            }
        };
    };
}

domain_enum! {
    /// The kind of DAM record a mismatch log is about (`recordType`).
    RecordType {
        Collection => "COLLECTION",
        MediaItem => "MEDIA_ITEM",
        CollectionMediaRelation => "COLLECTION_MEDIA_RELATION",
        Rendition => "RENDITION",
        Version => "VERSION",
        Favorite => "FAVORITE",
        Keyword => "KEYWORD",
        CustomUrl => "CUSTOM_URL",
        MediaType => "MEDIA_TYPE",
        MediaTypeGroup => "MEDIA_TYPE_GROUP",
        Permission => "PERMISSION",
        Resource => "RESOURCE",
    }
}

domain_enum! {
    /// What a resync does to the subscriber for a mismatch (`recordAction`).
    RecordAction {
        /// The record is missing on the subscriber.
        Create => "CREATE",
        /// The record differs between publisher and subscriber.
        Update => "UPDATE",
        /// The record exists only on the subscriber.
        Delete => "DELETE",
    }
}

/// One row of a mismatch report: one staging mismatch log of the publisher.
///
/// Columns, in the canonical CSV order: `subscriberId, recordType, recordAction, recordId,
/// collectionId, name, publisherHash, subscriberHash, created, logId`, then any extra columns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MismatchRow {
    /// The subscriber registration id the log belongs to.
    pub subscriber_id: String,
    /// The kind of record.
    pub record_type: RecordType,
    /// What resync will do.
    pub record_action: RecordAction,
    /// The DAM id of the record.
    pub record_id: String,
    /// The collection the record belongs to, when DX says.
    pub collection_id: String,
    /// A human name (file name, collection name), when DX says.
    pub name: String,
    /// Hash of the record on the publisher (empty for DELETE).
    pub publisher_hash: String,
    /// Hash of the record on the subscriber (empty for CREATE).
    pub subscriber_hash: String,
    /// When the log was written (as DX sent it, ISO 8601).
    pub created: String,
    /// The mismatch log's own id.
    pub log_id: String,
    /// Columns beyond the canonical ones, as `(header, value)` in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<(String, String)>,
}

impl Default for RecordType {
    fn default() -> Self {
        RecordType::Other(String::new())
    }
}

impl Default for RecordAction {
    fn default() -> Self {
        RecordAction::Other(String::new())
    }
}

/// The canonical header of a report file, in order.
pub const CANONICAL_HEADER: [&str; 10] = [
    "subscriberId",
    "recordType",
    "recordAction",
    "recordId",
    "collectionId",
    "name",
    "publisherHash",
    "subscriberHash",
    "created",
    "logId",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip() {
        for t in RecordType::KNOWN {
            assert_eq!(&RecordType::parse(t.as_str()), t);
        }
        for a in RecordAction::KNOWN {
            assert_eq!(&RecordAction::parse(a.as_str()), a);
        }
        assert_eq!(RecordType::KNOWN.len(), 12);
    }

    #[test]
    fn unknown_values_are_kept() {
        let t = RecordType::parse("SMART_TAG");
        assert_eq!(t, RecordType::Other("SMART_TAG".into()));
        assert_eq!(t.to_string(), "SMART_TAG");
        assert!(!t.is_known());
        assert_eq!(RecordAction::parse(" update "), RecordAction::Update);
    }

    #[test]
    fn serde_uses_dx_spelling() {
        let json = serde_json::to_string(&RecordType::MediaItem).unwrap();
        assert_eq!(json, "\"MEDIA_ITEM\"");
        let back: RecordType = serde_json::from_str("\"FUTURE_KIND\"").unwrap();
        assert_eq!(back, RecordType::Other("FUTURE_KIND".into()));
    }
}
