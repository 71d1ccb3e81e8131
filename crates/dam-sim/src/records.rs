//! DAM record types and the record model shared by seeding, hashing, find and sync.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The DAM record types DX staging compares (`recordType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// A collection (folder of assets).
    Collection,
    /// A media item (asset).
    MediaItem,
    /// The link of a media item to its collection.
    CollectionMediaRelation,
    /// A rendition of a media item.
    Rendition,
    /// A version of a media item.
    Version,
    /// A user's favorite mark on a media item.
    Favorite,
    /// A keyword of a media item.
    Keyword,
    /// A custom URL of a media item.
    CustomUrl,
    /// A media (MIME) type.
    MediaType,
    /// A group of media types.
    MediaTypeGroup,
    /// A permission entry of an access-control resource.
    Permission,
    /// An access-control resource (one per collection).
    Resource,
}

impl RecordType {
    /// Every type, in the order the find job compares them (parents before children).
    pub const ALL: [RecordType; 12] = [
        RecordType::MediaTypeGroup,
        RecordType::MediaType,
        RecordType::Collection,
        RecordType::Resource,
        RecordType::Permission,
        RecordType::MediaItem,
        RecordType::CollectionMediaRelation,
        RecordType::Rendition,
        RecordType::Version,
        RecordType::Keyword,
        RecordType::Favorite,
        RecordType::CustomUrl,
    ];

    /// The two types HCL's spec leaves out of the records endpoints (only
    /// `/staging/mismatches` lists them): `PERMISSION` and `RESOURCE`.
    pub fn is_permission_type(self) -> bool {
        matches!(self, RecordType::Permission | RecordType::Resource)
    }

    /// DX's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Collection => "COLLECTION",
            RecordType::MediaItem => "MEDIA_ITEM",
            RecordType::CollectionMediaRelation => "COLLECTION_MEDIA_RELATION",
            RecordType::Rendition => "RENDITION",
            RecordType::Version => "VERSION",
            RecordType::Favorite => "FAVORITE",
            RecordType::Keyword => "KEYWORD",
            RecordType::CustomUrl => "CUSTOM_URL",
            RecordType::MediaType => "MEDIA_TYPE",
            RecordType::MediaTypeGroup => "MEDIA_TYPE_GROUP",
            RecordType::Permission => "PERMISSION",
            RecordType::Resource => "RESOURCE",
        }
    }

    /// Parses DX's spelling exactly (DX enums are case-sensitive).
    pub fn parse(s: &str) -> Option<RecordType> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The comma-separated list of valid values, for error messages.
    pub(crate) fn valid_list() -> String {
        let mut v: Vec<&str> = RecordType::ALL.iter().map(|t| t.as_str()).collect();
        v.sort_unstable();
        v.join(", ")
    }

    /// The comma-separated list of the spec's ten records-endpoint types, for error messages.
    pub(crate) fn spec_records_list() -> String {
        let mut v: Vec<&str> = RecordType::ALL
            .iter()
            .filter(|t| !t.is_permission_type())
            .map(|t| t.as_str())
            .collect();
        v.sort_unstable();
        v.join(", ")
    }

    /// The content field that names this record's parent (cascade delete follows it).
    pub(crate) fn parent_field(self) -> Option<&'static str> {
        match self {
            RecordType::Collection | RecordType::MediaTypeGroup => None,
            RecordType::MediaType => Some("mediaTypeGroupId"),
            RecordType::Resource | RecordType::MediaItem => Some("collectionId"),
            RecordType::Permission => Some("resourceId"),
            RecordType::CollectionMediaRelation
            | RecordType::Rendition
            | RecordType::Version
            | RecordType::Favorite
            | RecordType::Keyword
            | RecordType::CustomUrl => Some("mediaId"),
        }
    }

    /// The type of this record's parent.
    pub(crate) fn parent_type(self) -> Option<RecordType> {
        match self {
            RecordType::Collection | RecordType::MediaTypeGroup => None,
            RecordType::MediaType => Some(RecordType::MediaTypeGroup),
            RecordType::Resource | RecordType::MediaItem => Some(RecordType::Collection),
            RecordType::Permission => Some(RecordType::Resource),
            _ => Some(RecordType::MediaItem),
        }
    }

    /// The `StagingRecordDetailsResponseDto` property that carries this type's record.
    /// HCL's schema has no property for relations, favorites, resources and permissions;
    /// the simulator uses the closest one (documented in the README).
    pub(crate) fn details_key(self) -> &'static str {
        match self {
            RecordType::Collection | RecordType::CollectionMediaRelation => "collection",
            RecordType::MediaItem | RecordType::Favorite => "mediaItem",
            RecordType::Rendition => "rendition",
            RecordType::Version => "version",
            RecordType::CustomUrl => "customUrl",
            RecordType::Keyword => "keyword",
            RecordType::MediaType => "mediaType",
            RecordType::MediaTypeGroup => "mediaTypeGroup",
            RecordType::Resource => "collection",
            RecordType::Permission => "permission",
        }
    }

    /// The trigger function of the `sync*` operation that restages a record of this type.
    pub(crate) fn sync_trigger(self, action: &str) -> &'static str {
        match self {
            RecordType::Collection => "syncStagingCollectionContent",
            RecordType::MediaItem => "syncStagingMediaContent",
            RecordType::CollectionMediaRelation => "syncStagingCollectionMediaRelationContent",
            RecordType::Rendition => "syncStagingRenditionContent",
            RecordType::Version => "syncStagingVersionContent",
            RecordType::Favorite => "syncStagingFavoriteContent",
            RecordType::Keyword => "syncStagingKeywordContent",
            RecordType::CustomUrl => "syncStagingCustomUrlContent",
            RecordType::MediaType => "syncStagingMediaTypeContent",
            RecordType::MediaTypeGroup => "syncStagingMediaTypeGroupContent",
            RecordType::Resource => "syncStagingPermissionResource",
            RecordType::Permission => {
                if action == "DELETE" {
                    "syncStagingDeletePermission"
                } else {
                    "syncStagingCreatePermission"
                }
            }
        }
    }
}

/// A record row: the stored JSON content and the columns derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub rtype: RecordType,
    pub id: String,
    pub parent_id: Option<String>,
    pub collection_id: Option<String>,
    pub name: Option<String>,
    pub content: String,
    pub hash: String,
}

impl Record {
    /// Builds a record from its content object; the object must carry `id`.
    pub fn from_content(rtype: RecordType, content: &Map<String, Value>) -> Result<Record, String> {
        let text = |k: &str| content.get(k).and_then(Value::as_str).map(str::to_string);
        let id =
            text("id").ok_or_else(|| format!("{} record has no string `id`", rtype.as_str()))?;
        let parent_id = rtype.parent_field().and_then(text);
        let collection_id = if rtype == RecordType::Collection {
            Some(id.clone())
        } else {
            text("collectionId")
        };
        let body = serde_json::to_string(content).map_err(|e| e.to_string())?;
        Ok(Record {
            rtype,
            hash: content_hash(&body),
            id,
            parent_id,
            collection_id,
            name: text("name"),
            content: body,
        })
    }

    /// The `StagingRecordDetailsResponseDto` for this record.
    pub fn details(&self) -> Value {
        let content: Value = serde_json::from_str(&self.content).unwrap_or(Value::Null);
        let mut out = Map::new();
        match self.rtype {
            RecordType::Permission => {
                if let Some(p) = &self.parent_id {
                    out.insert("resourceId".into(), Value::String(p.clone()));
                }
                out.insert("permission".into(), Value::Array(vec![content]));
            }
            RecordType::Resource => {
                out.insert("resourceId".into(), Value::String(self.id.clone()));
                out.insert("collection".into(), content);
            }
            t => {
                out.insert(t.details_key().into(), content);
            }
        }
        Value::Object(out)
    }
}

/// Extracts the record content object of `rtype` from a `StagingRecordDetailsResponseDto`.
pub(crate) fn content_from_details(
    rtype: RecordType,
    details: &Value,
) -> Option<Map<String, Value>> {
    let v = details.get(rtype.details_key())?;
    let v = if rtype == RecordType::Permission {
        v.as_array()?.first()?
    } else {
        v
    };
    v.as_object().cloned()
}

/// The hash of one record: SHA-256 of its stored content, hex.
pub(crate) fn content_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// The hash of a range of records (ordered by id): SHA-256 over `id:hash\n` lines, hex.
pub(crate) fn range_hash<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    for (id, hash) in items {
        h.update(id.as_bytes());
        h.update(b":");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn record_types_round_trip_and_reject_other_case() {
        for t in RecordType::ALL {
            assert_eq!(RecordType::parse(t.as_str()), Some(t));
        }
        assert_eq!(RecordType::parse("media_item"), None);
    }

    #[test]
    fn details_round_trip_for_every_type() {
        for t in RecordType::ALL {
            let mut c = Map::new();
            c.insert("id".into(), json!("abc"));
            c.insert("name".into(), json!("n"));
            if let Some(f) = t.parent_field() {
                c.insert(f.into(), json!("parent"));
            }
            let r = Record::from_content(t, &c).unwrap();
            let back = content_from_details(t, &r.details()).unwrap();
            let r2 = Record::from_content(t, &back).unwrap();
            assert_eq!(r, r2, "{t:?}");
            assert_eq!(r.parent_id.is_some(), t.parent_field().is_some());
        }
    }

    #[test]
    fn range_hash_depends_on_ids_and_hashes() {
        let a = range_hash([("1", "a"), ("2", "b")]);
        assert_ne!(a, range_hash([("1", "a"), ("2", "c")]));
        assert_ne!(a, range_hash([("1", "a")]));
        assert_eq!(a, range_hash([("1", "a"), ("2", "b")]));
    }
}
