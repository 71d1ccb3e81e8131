//! Deterministic DAM-like content: the same arguments give the same records (ids, content,
//! hashes) on every environment.

use rusqlite::{Connection, Statement};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::api_error::ApiError;
use crate::records::{Record, RecordType};

/// Namespace of the simulator's deterministic (v5) ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_4c2a_9b7e_4f03_a5d2_8c61_0e3b_7a94);

const GROUPS: [&str; 4] = ["Images", "Videos", "Documents", "Audio"];
/// Media types as (MIME type, group index).
const MEDIA_TYPES: [(&str, usize); 10] = [
    ("image/jpeg", 0),
    ("image/png", 0),
    ("image/gif", 0),
    ("image/webp", 0),
    ("video/mp4", 1),
    ("video/webm", 1),
    ("application/pdf", 2),
    ("application/msword", 2),
    ("audio/mpeg", 3),
    ("audio/wav", 3),
];
const RENDITIONS: [(&str, u32, u32); 4] = [
    ("Original", 4000, 3000),
    ("Desktop", 1920, 1440),
    ("Tablet", 1024, 768),
    ("Smartphone", 480, 360),
];

/// A deterministic id for a key.
pub(crate) fn uid(key: &str) -> String {
    Uuid::new_v5(&NAMESPACE, key.as_bytes()).to_string()
}

/// A deterministic, time-ordered (UUIDv7-style) id: the first 48 bits are `ordinal`, the rest
/// comes from the key. Seeded records of a type are created in id order, so inserts append to
/// the (type, id) key instead of landing at random pages.
pub(crate) fn ordered_uid(key: &str, ordinal: u64) -> String {
    let mut b = *Uuid::new_v5(&NAMESPACE, key.as_bytes()).as_bytes();
    let o = (ordinal + 1).to_be_bytes();
    b[..6].copy_from_slice(&o[2..]);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    Uuid::from_bytes(b).to_string()
}

fn media_type_id(t: u64) -> String {
    ordered_uid(&format!("mediatype/{t}"), t)
}

fn group_id(g: u64) -> String {
    ordered_uid(&format!("mediatypegroup/{g}"), g)
}

fn stamp(n: u64) -> String {
    format!(
        "2024-{:02}-{:02}T{:02}:{:02}:00.000Z",
        1 + n % 12,
        1 + n % 28,
        n % 24,
        n % 60
    )
}

/// Content of a record of `rtype` with `id`, attached to `parent` (in `collection`); `n`
/// varies names and sizes.
pub(crate) fn make(
    rtype: RecordType,
    id: &str,
    parent: Option<&str>,
    collection: Option<&str>,
    n: u64,
) -> Map<String, Value> {
    let p = parent.unwrap_or_default();
    let c = collection.unwrap_or_default();
    let v = match rtype {
        RecordType::MediaTypeGroup => {
            json!({"id": id, "name": GROUPS[(n as usize) % GROUPS.len()], "revision": 0})
        }
        RecordType::MediaType => {
            let (mime, _) = MEDIA_TYPES[(n as usize) % MEDIA_TYPES.len()];
            json!({"id": id, "mediaTypeGroupId": p, "name": mime, "revision": 0})
        }
        RecordType::Collection => json!({
            "id": id, "name": format!("Collection {n:05}"),
            "description": format!("Seeded collection number {n}"), "created": stamp(n), "revision": 0
        }),
        RecordType::Resource => json!({
            "id": id, "collectionId": p, "name": format!("collection-resource-{n}"), "revision": 0
        }),
        RecordType::Permission => json!({
            "id": id, "resourceId": p, "collectionId": c, "name": format!("permission-{n}"),
            "principal": if n.is_multiple_of(2) { "uid=wpsadmin,o=defaultWIMFileBasedRealm" } else { "cn=contentAuthors" },
            "role": if n.is_multiple_of(2) { "ADMINISTRATOR" } else { "EDITOR" }, "revision": 0
        }),
        RecordType::MediaItem => json!({
            "id": id, "collectionId": p,
            "mediaTypeId": media_type_id(n % MEDIA_TYPES.len() as u64),
            "name": format!("asset-{n:07}.jpg"), "title": format!("Asset {n}"),
            "fileSize": 10_000 + (n * 7919) % 5_000_000, "created": stamp(n), "revision": 0
        }),
        RecordType::CollectionMediaRelation => json!({
            "id": id, "collectionId": c, "mediaId": p, "name": format!("relation-{n}"), "revision": 0
        }),
        RecordType::Rendition => {
            let (name, w, h) = RENDITIONS[(n as usize) % RENDITIONS.len()];
            json!({"id": id, "mediaId": p, "collectionId": c, "name": name, "width": w, "height": h, "revision": 0})
        }
        RecordType::Version => json!({
            "id": id, "mediaId": p, "collectionId": c, "name": format!("v{}", n % 9 + 1), "revision": 0
        }),
        RecordType::Keyword => json!({
            "id": id, "mediaId": p, "collectionId": c, "name": format!("keyword-{}", n % 997), "revision": 0
        }),
        RecordType::Favorite => json!({
            "id": id, "mediaId": p, "collectionId": c, "userId": "uid=wpsadmin,o=defaultWIMFileBasedRealm",
            "name": format!("favorite-{n}"), "revision": 0
        }),
        RecordType::CustomUrl => json!({
            "id": id, "mediaId": p, "collectionId": c, "name": format!("/dx/assets/custom-{n}"), "revision": 0
        }),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(crate) const INSERT_SQL: &str = "INSERT OR REPLACE INTO records(type, id, parent_id, collection_id, name, content, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Inserts (or replaces) one record with a prepared [`INSERT_SQL`] statement.
pub(crate) fn insert(stmt: &mut Statement<'_>, r: &Record) -> rusqlite::Result<()> {
    stmt.execute(rusqlite::params![
        r.rtype.as_str(),
        r.id,
        r.parent_id,
        r.collection_id,
        r.name,
        r.content,
        r.hash
    ])?;
    Ok(())
}

/// Counts of what was seeded.
pub(crate) struct SeedSummary {
    pub records: u64,
    pub media_items: u64,
}

/// Replaces all records with `collections` × `items_per_collection` media items and their
/// renditions (4), versions (1–2), keywords (2), collection relation, favorites (every 4th),
/// custom URLs (every 3rd), plus media type groups (4), media types (10) and per collection one
/// resource with two permissions. One transaction.
pub(crate) fn seed(
    c: &mut Connection,
    collections: u64,
    items_per_collection: u64,
) -> Result<SeedSummary, ApiError> {
    // Ids arrive in key order per type (see `ordered_uid`); a larger page cache holds the
    // twelve append points, and the parent index is rebuilt once at the end.
    c.pragma_update(None, "cache_size", -64_000)?;
    let result = seed_rows(c, collections, items_per_collection);
    c.pragma_update(None, "cache_size", crate::db::CACHE_KIB)?;
    let records = result?;
    // Fold the large transaction into the database file and shrink the WAL again.
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(SeedSummary {
        records,
        media_items: collections * items_per_collection,
    })
}

fn seed_rows(
    c: &mut Connection,
    collections: u64,
    items_per_collection: u64,
) -> Result<u64, ApiError> {
    let tx = c.transaction()?;
    tx.execute("DROP INDEX IF EXISTS records_parent", [])?;
    tx.execute("DELETE FROM records", [])?;
    // Seeding is setup, not authoring: nothing from before is left for staging cycles to carry.
    tx.execute("DELETE FROM changes", [])?;
    let mut records = 0u64;
    {
        let mut stmt = tx.prepare(INSERT_SQL)?;
        let mut put = |t: RecordType, id: &str, p: Option<&str>, col: Option<&str>, n: u64| {
            let rec =
                Record::from_content(t, &make(t, id, p, col, n)).map_err(ApiError::internal)?;
            insert(&mut stmt, &rec)?;
            records += 1;
            Ok::<(), ApiError>(())
        };
        for g in 0..GROUPS.len() as u64 {
            put(RecordType::MediaTypeGroup, &group_id(g), None, None, g)?;
        }
        for (t, (_, g)) in MEDIA_TYPES.iter().enumerate() {
            let group = group_id(*g as u64);
            put(
                RecordType::MediaType,
                &media_type_id(t as u64),
                Some(&group),
                None,
                t as u64,
            )?;
        }
        for col in 0..collections {
            let cid = ordered_uid(&format!("collection/{col}"), col);
            put(RecordType::Collection, &cid, None, None, col)?;
            let rid = ordered_uid(&format!("resource/{col}"), col);
            put(RecordType::Resource, &rid, Some(&cid), Some(&cid), col)?;
            for k in 0..2 {
                let pid = ordered_uid(&format!("permission/{col}/{k}"), col * 2 + k);
                put(
                    RecordType::Permission,
                    &pid,
                    Some(&rid),
                    Some(&cid),
                    col * 2 + k,
                )?;
            }
            for i in 0..items_per_collection {
                let n = col * items_per_collection + i;
                let mid = ordered_uid(&format!("media/{col}/{i}"), n);
                put(RecordType::MediaItem, &mid, Some(&cid), Some(&cid), n)?;
                let children: [(RecordType, &str, u64); 6] = [
                    (RecordType::CollectionMediaRelation, "relation", 1),
                    (RecordType::Rendition, "rendition", 4),
                    (RecordType::Version, "version", 1 + n % 2),
                    (RecordType::Keyword, "keyword", 2),
                    (
                        RecordType::Favorite,
                        "favorite",
                        u64::from(n.is_multiple_of(4)),
                    ),
                    (
                        RecordType::CustomUrl,
                        "customurl",
                        u64::from(n.is_multiple_of(3)),
                    ),
                ];
                for (t, key, count) in children {
                    for k in 0..count {
                        let id = ordered_uid(&format!("{key}/{col}/{i}/{k}"), n * 4 + k);
                        put(t, &id, Some(&mid), Some(&cid), n * 4 + k)?;
                    }
                }
            }
        }
    }
    tx.execute(crate::db::PARENT_INDEX, [])?;
    tx.commit()?;
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_ids_sort_by_ordinal_and_are_uuids() {
        let a = ordered_uid("x/1", 1);
        let b = ordered_uid("a/2", 2);
        assert!(a < b, "{a} < {b}");
        assert!(ordered_uid("x/1", 0xffff_ffff) < ordered_uid("a/1", 0x1_0000_0000));
        let u = Uuid::parse_str(&a).unwrap();
        assert_eq!(u.get_version_num(), 7);
        assert_ne!(ordered_uid("k/1", 5), ordered_uid("k/2", 5));
    }

    #[test]
    fn seeding_is_deterministic_and_linked() {
        let dir = tempfile::tempdir().unwrap();
        let mut counts = Vec::new();
        for name in ["a.db", "b.db"] {
            let db = crate::db::Db::open(&dir.path().join(name)).unwrap();
            db.with(|c| {
                let s = seed(c, 3, 4).unwrap();
                assert_eq!(s.media_items, 12);
                let sum: String = c
                    .query_row(
                        "SELECT group_concat(hash, ',') FROM (SELECT hash FROM records ORDER BY type, id)",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                let orphans: i64 = c
                    .query_row(
                        "SELECT count(*) FROM records r WHERE r.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM records p WHERE p.id = r.parent_id)",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(orphans, 0);
                let dangling: i64 = c
                    .query_row(
                        "SELECT count(*) FROM records m WHERE m.type = 'MEDIA_ITEM' AND NOT EXISTS (SELECT 1 FROM records t WHERE t.type = 'MEDIA_TYPE' AND t.id = json_extract(m.content, '$.mediaTypeId'))",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(dangling, 0, "media items reference seeded media types");
                counts.push((s.records, sum));
            });
        }
        assert_eq!(counts[0], counts[1]);
    }
}
