//! Deterministic changes for tests: delete (with cascades), alter, or add records of one type.
//! By default a change is drift that staging missed (a failed sync, a change behind DX's back):
//! nothing records it and staging cycles never carry it. With `journal` it is authoring through
//! DAM: every touched record goes into the `changes` journal, which the next staging cycle of
//! every subscriber carries to the subscriber.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api_error::ApiError;
use crate::db::{meta_get, meta_set};
use crate::records::{Record, RecordType};
use crate::seed::{insert, make, uid, INSERT_SQL};

/// What a mutation did to one record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Touched {
    pub record_type: &'static str,
    pub id: String,
    pub effect: &'static str,
}

/// The kinds of damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MutateOp {
    Delete,
    Alter,
    Add,
}

impl MutateOp {
    pub fn parse(s: &str) -> Option<MutateOp> {
        match s {
            "delete" => Some(MutateOp::Delete),
            "alter" => Some(MutateOp::Alter),
            "add" => Some(MutateOp::Add),
            _ => None,
        }
    }
}

/// `count` ids of `rtype`, spread evenly over the id order (deterministic).
fn spread(c: &Connection, rtype: RecordType, count: u64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = c.prepare("SELECT id FROM records WHERE type = ?1 ORDER BY id")?;
    let all: Vec<String> = stmt
        .query_map([rtype.as_str()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let total = all.len() as u64;
    if count >= total {
        return Ok(all);
    }
    Ok((0..count)
        .map(|i| all[(i * total / count) as usize].clone())
        .collect())
}

/// Applies the mutation in one transaction and lists every record touched, cascades included;
/// with `journal` (authoring) the touched records are also journaled for staging cycles.
pub(crate) fn mutate(
    c: &mut Connection,
    rtype: RecordType,
    op: MutateOp,
    count: u64,
    journal: bool,
) -> Result<Vec<Touched>, ApiError> {
    let tx = c.transaction()?;
    let mut out = Vec::new();
    match op {
        MutateOp::Delete => {
            let ids = spread(&tx, rtype, count)?;
            let mut seen = HashSet::new();
            let mut tree = tx.prepare(
                "WITH RECURSIVE sub(type, id) AS (SELECT ?1, ?2 UNION SELECT r.type, r.id FROM records r JOIN sub ON r.parent_id = sub.id) SELECT type, id FROM sub",
            )?;
            let mut del = tx.prepare("DELETE FROM records WHERE type = ?1 AND id = ?2")?;
            for id in ids {
                let rows: Vec<(String, String)> = tree
                    .query_map([rtype.as_str(), id.as_str()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?
                    .collect::<Result<_, _>>()?;
                for (t, rid) in rows {
                    let Some(t) = RecordType::parse(&t) else {
                        continue;
                    };
                    if seen.insert((t, rid.clone())) && del.execute([t.as_str(), rid.as_str()])? > 0
                    {
                        out.push(Touched {
                            record_type: t.as_str(),
                            id: rid,
                            effect: "deleted",
                        });
                    }
                }
            }
        }
        MutateOp::Alter => {
            let ids = spread(&tx, rtype, count)?;
            let mut get = tx.prepare("SELECT content FROM records WHERE type = ?1 AND id = ?2")?;
            let mut put = tx.prepare(INSERT_SQL)?;
            for id in ids {
                let text: String = get.query_row([rtype.as_str(), id.as_str()], |r| r.get(0))?;
                let mut content: Map<String, Value> = serde_json::from_str(&text).map_err(|e| {
                    ApiError::internal(format!("stored record {id} is not JSON: {e}"))
                })?;
                let rev = content.get("revision").and_then(Value::as_i64).unwrap_or(0);
                content.insert("revision".into(), Value::from(rev + 1));
                let rec = Record::from_content(rtype, &content).map_err(ApiError::internal)?;
                insert(&mut put, &rec)?;
                out.push(Touched {
                    record_type: rtype.as_str(),
                    id,
                    effect: "altered",
                });
            }
        }
        MutateOp::Add => {
            let key = format!("added/{}", rtype.as_str());
            let start: u64 = meta_get(&tx, &key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let parents: Vec<(String, Option<String>)> = match rtype.parent_type() {
                None => Vec::new(),
                Some(pt) => {
                    let mut s = tx.prepare(
                        "SELECT id, collection_id FROM records WHERE type = ?1 ORDER BY id",
                    )?;
                    let v = s
                        .query_map([pt.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()?;
                    v
                }
            };
            if let Some(pt) = rtype.parent_type() {
                if parents.is_empty() && count > 0 {
                    return Err(ApiError::conflict(format!(
                        "cannot add {} records: there is no {} to attach them to (seed first)",
                        rtype.as_str(),
                        pt.as_str()
                    )));
                }
            }
            let mut put = tx.prepare(INSERT_SQL)?;
            let mut exists = tx.prepare("SELECT 1 FROM records WHERE type = ?1 AND id = ?2")?;
            for k in start..start + count {
                let id = uid(&format!("{key}/{k}"));
                let (parent, collection) = match parents.get(k as usize % parents.len().max(1)) {
                    Some((p, c)) => (Some(p.as_str()), c.as_deref()),
                    None => (None, None),
                };
                let collection = if rtype.parent_type() == Some(RecordType::Collection) {
                    parent
                } else {
                    collection
                };
                let content = make(rtype, &id, parent, collection, 900_000_000 + k);
                let rec = Record::from_content(rtype, &content).map_err(ApiError::internal)?;
                if exists
                    .query_row([rtype.as_str(), id.as_str()], |_| Ok(()))
                    .optional()?
                    .is_some()
                {
                    return Err(ApiError::conflict(format!(
                        "record {} {id} already exists",
                        rtype.as_str()
                    )));
                }
                insert(&mut put, &rec)?;
                out.push(Touched {
                    record_type: rtype.as_str(),
                    id,
                    effect: "added",
                });
            }
            meta_set(&tx, &key, &(start + count).to_string())?;
        }
    }
    if journal {
        let mut ins = tx.prepare(
            "INSERT INTO changes(record_type, record_id, action, collection_id, created) VALUES (?1, ?2, ?3, (SELECT collection_id FROM records WHERE type = ?1 AND id = ?2), ?4)",
        )?;
        let now = crate::timefmt::now();
        for t in &out {
            let action = match t.effect {
                "deleted" => "DELETE",
                "altered" => "UPDATE",
                _ => "CREATE",
            };
            ins.execute(rusqlite::params![t.record_type, t.id, action, now])?;
        }
    }
    tx.commit()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn count(c: &Connection, t: RecordType) -> i64 {
        c.query_row(
            "SELECT count(*) FROM records WHERE type = ?1",
            [t.as_str()],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn delete_cascades_and_reports_everything() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("m.db")).unwrap();
        db.with(|c| {
            crate::seed::seed(c, 2, 3).unwrap();
            let before: i64 = c
                .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
                .unwrap();
            let t = mutate(c, RecordType::Collection, MutateOp::Delete, 1, false).unwrap();
            let after: i64 = c
                .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
                .unwrap();
            assert_eq!(before - after, t.len() as i64);
            assert!(t.iter().any(|x| x.record_type == "MEDIA_ITEM"));
            assert!(t.iter().any(|x| x.record_type == "PERMISSION"));
            assert_eq!(count(c, RecordType::Collection), 1);
            let alt = mutate(c, RecordType::Rendition, MutateOp::Alter, 2, true).unwrap();
            assert_eq!(alt.len(), 2);
            let journaled: i64 = c
                .query_row(
                    "SELECT count(*) FROM changes WHERE action = 'UPDATE'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(journaled, 2, "only authoring is journaled");
            let add = mutate(c, RecordType::Keyword, MutateOp::Add, 2, false).unwrap();
            let add2 = mutate(c, RecordType::Keyword, MutateOp::Add, 1, false).unwrap();
            assert_ne!(add[0].id, add2[0].id);
        });
    }
}
