//! Property tests: the reader never panics and the store agrees with it; writer → reader round
//! trips; queries and summaries agree with a naive reference implementation.

use mismatch_report::{
    Column, Direction, Filter, MismatchRow, OnMalformed, Query, ReaderOptions, RecordAction,
    RecordType, ReportReader, ReportStore, ReportWriter, WriterOptions,
};
use proptest::prelude::*;

fn skip() -> ReaderOptions {
    ReaderOptions {
        on_malformed: OnMalformed::Skip,
        ..Default::default()
    }
}

/// Bytes that look a bit like CSV, so the parser's corners get exercised.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"type,action,recordId,name\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\"\"".to_vec()),
        Just(b"MEDIA_ITEM".to_vec()),
        Just(b"'=x".to_vec()),
        Just("é東".as_bytes().to_vec()),
        Just(vec![0xff]),
        Just(vec![0]),
        Just(vec![0xef, 0xbb, 0xbf]),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn rows_by_reader(bytes: &[u8]) -> Result<Vec<MismatchRow>, String> {
    let mut r = ReportReader::from_reader(bytes, skip()).map_err(|e| e.to_string())?;
    let rows: Result<Vec<_>, _> = r.by_ref().collect();
    rows.map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn reader_and_store_never_panic_and_agree(bytes in csvish()) {
        let a = rows_by_reader(&bytes);
        let b = ReportStore::from_reader(&bytes[..], skip()).map(|s| s.to_rows()).map_err(|e| e.to_string());
        if let (Ok(a), Ok(b)) = (&a, &b) {
            prop_assert_eq!(a, b);
        }
        prop_assert_eq!(a.is_ok(), b.is_ok());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.csv");
        std::fs::write(&p, &bytes).unwrap();
        let c = ReportStore::open(&p, skip()).map(|s| s.to_rows()).map_err(|e| e.to_string());
        if let (Ok(b), Ok(c)) = (&b, &c) {
            prop_assert_eq!(b, c);
        }
        prop_assert_eq!(b.is_ok(), c.is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = rows_by_reader(&bytes);
        let _ = ReportStore::from_reader(&bytes[..], ReaderOptions::default());
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z0-9]{1,6}",
        "[=+@'\\-\t\r\n\", a-zA-Zé東]{0,8}",
        Just("0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b".to_string()),
        Just("d41d8cd98f00b204".to_string()),
        Just("2025-05-01T10:00:00.123Z".to_string()),
    ]
}

fn rtype() -> impl Strategy<Value = RecordType> {
    prop_oneof![
        Just(RecordType::Rendition),
        Just(RecordType::MediaItem),
        Just(RecordType::Collection),
        Just(RecordType::Other("NEW_KIND".into())),
    ]
}

fn raction() -> impl Strategy<Value = RecordAction> {
    prop_oneof![
        Just(RecordAction::Create),
        Just(RecordAction::Update),
        Just(RecordAction::Delete),
    ]
}

fn row() -> impl Strategy<Value = MismatchRow> {
    (
        prop_oneof![Just("s1".to_string()), Just("s2".to_string())],
        rtype(),
        raction(),
        prop_oneof![Just("r1".to_string()), Just("R2".to_string()), text()],
        prop_oneof![Just("c1".to_string()), Just("C-JPG".to_string()), text()],
        (
            prop_oneof![Just("a.jpg".to_string()), Just("B.JPG".to_string()), text()],
            text(),
            text(),
            text(),
            text(),
        ),
    )
        .prop_map(
            |(s, t, a, id, coll, (name, ph, sh, created, log))| MismatchRow {
                subscriber_id: s,
                record_type: t,
                record_action: a,
                record_id: id,
                collection_id: coll,
                name,
                publisher_hash: ph,
                subscriber_hash: sh,
                created,
                log_id: log,
                extra: Vec::new(),
            },
        )
}

fn column() -> impl Strategy<Value = Column> {
    prop_oneof![
        Just(Column::Name),
        Just(Column::RecordType),
        Just(Column::RecordId),
        Just(Column::CollectionId),
        Just(Column::Created),
        Just(Column::SubscriberId),
        Just(Column::PublisherHash),
    ]
}

fn cell(r: &MismatchRow, c: Column) -> &str {
    match c {
        Column::SubscriberId => &r.subscriber_id,
        Column::RecordType => r.record_type.as_str(),
        Column::RecordAction => r.record_action.as_str(),
        Column::RecordId => &r.record_id,
        Column::CollectionId => &r.collection_id,
        Column::Name => &r.name,
        Column::PublisherHash => &r.publisher_hash,
        Column::SubscriberHash => &r.subscriber_hash,
        Column::Created => &r.created,
        Column::LogId => &r.log_id,
        Column::Extra(_) => "",
    }
}

/// The reference: filter, then a stable sort, by the obvious means.
fn naive(rows: &[MismatchRow], q: &Query) -> Vec<usize> {
    let f = &q.filter;
    let needle = f.text.trim().to_lowercase();
    let mut hits: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            let r = &rows[i];
            (f.types.is_empty() || f.types.contains(&r.record_type))
                && (f.actions.is_empty() || f.actions.contains(&r.record_action))
                && (f.subscribers.is_empty() || f.subscribers.contains(&r.subscriber_id))
                && (needle.is_empty()
                    || r.record_id.to_lowercase().contains(&needle)
                    || r.name.to_lowercase().contains(&needle)
                    || r.collection_id.to_lowercase().contains(&needle))
        })
        .collect();
    if let Some((c, d)) = q.sort {
        hits.sort_by(|&a, &b| {
            let o = cell(&rows[a], c)
                .as_bytes()
                .cmp(cell(&rows[b], c).as_bytes());
            if d == Direction::Desc {
                o.reverse()
            } else {
                o
            }
        });
    }
    hits
}

/// A row's cells in file order: the ten canonical columns, then the extra ones.
fn cells_of(r: &MismatchRow) -> Vec<&str> {
    [
        r.subscriber_id.as_str(),
        r.record_type.as_str(),
        r.record_action.as_str(),
        &r.record_id,
        &r.collection_id,
        &r.name,
        &r.publisher_hash,
        &r.subscriber_hash,
        &r.created,
        &r.log_id,
    ]
    .into_iter()
    .chain(r.extra.iter().map(|(_, v)| v.as_str()))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn writer_reader_round_trip(rows in proptest::collection::vec(row(), 0..20), bom in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        let mut w = ReportWriter::create(&p, WriterOptions { bom, ..Default::default() }).unwrap();
        for r in &rows {
            w.write_row(r).unwrap();
        }
        w.finish().unwrap();
        let back: Vec<MismatchRow> = ReportReader::open(&p, ReaderOptions::default())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(&back, &rows);
        let store = ReportStore::open(&p, ReaderOptions::default()).unwrap();
        prop_assert_eq!(store.to_rows(), rows);
    }

    #[test]
    fn queries_match_the_reference(
        rows in proptest::collection::vec(row(), 0..60),
        types in proptest::collection::vec(rtype(), 0..2),
        actions in proptest::collection::vec(raction(), 0..2),
        subs in proptest::collection::vec(prop_oneof![Just("s1".to_string()), Just("zz".to_string())], 0..2),
        text in prop_oneof![Just(String::new()), Just("jpg".to_string()), Just("1".to_string()), Just("É".to_string()), Just("0f8e".to_string()), Just("-".to_string())],
        sort in proptest::option::of((column(), prop_oneof![Just(Direction::Asc), Just(Direction::Desc)])),
        offset in 0u64..70,
        limit in 0u64..70,
    ) {
        let store = ReportStore::from_rows(&rows).unwrap();
        let q = Query { filter: Filter { types, actions, subscribers: subs, text }, sort, offset, limit };
        let expected = naive(&rows, &q);
        // Twice: the second answer comes from the cache.
        for _ in 0..2 {
            let got = store.query(&q).unwrap();
            prop_assert_eq!(got.total as usize, expected.len());
            let want: Vec<u64> = expected.iter().skip(offset as usize).take(limit as usize).map(|&i| i as u64).collect();
            let have: Vec<u64> = got.rows.iter().map(|r| r.index).collect();
            prop_assert_eq!(&have, &want);
            for w in &got.rows {
                prop_assert_eq!(&w.row, &rows[w.index as usize]);
            }
            // The grid's column-by-column answer holds the same rows and cells.
            let cols = store.query_columns(&q).unwrap();
            prop_assert_eq!(cols.total, got.total);
            prop_assert_eq!(&cols.indexes, &have);
            for (k, w) in got.rows.iter().enumerate() {
                let cells: Vec<&str> = cols.columns.iter().map(|c| c[k].as_str()).collect();
                prop_assert_eq!(cells, cells_of(&w.row));
            }
        }
        let s = store.summary(&q.filter);
        prop_assert_eq!(s.total as usize, expected.len());
        for c in &s.cells {
            let n = expected.iter().filter(|&&i| rows[i].record_type == c.record_type && rows[i].record_action == c.record_action).count();
            prop_assert_eq!(c.count as usize, n);
        }
        prop_assert_eq!(s.cells.iter().map(|c| c.count).sum::<u64>(), s.total);
    }
}

/// Values that share long prefixes, end at and around the 11- and 22-byte chunks of the sort
/// keys, hold zero bytes, or are packed (UUID, hex, timestamp) by the store.
fn sort_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("asset-0000".to_string()),
        Just("0".to_string()),
        Just("1".to_string()),
        Just("\0".to_string()),
        Just(".jpg".to_string()),
        Just("é".to_string()),
        Just("\u{10ffff}".to_string()),
    ];
    prop_oneof![
        3 => proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat()),
        1 => Just("0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b".to_string()),
        1 => Just("0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5c".to_string()),
        1 => Just("d41d8cd98f00b204".to_string()),
        1 => Just("d41d8cd98f00b204e980".to_string()),
        1 => Just("2025-05-01T10:00:00.123Z".to_string()),
        1 => Just("2025-05-01T09:59:59.999Z".to_string()),
    ]
}

fn sort_row() -> impl Strategy<Value = MismatchRow> {
    let t = prop_oneof![
        12 => Just(RecordType::Rendition),
        4 => Just(RecordType::MediaItem),
        1 => Just(RecordType::Other("RARE".into())),
    ];
    let a = prop_oneof![
        Just(RecordAction::Create),
        Just(RecordAction::Delete),
        Just(RecordAction::Other("ZAP".into())),
    ];
    (
        (t, a, sort_value(), sort_value()),
        (sort_value(), sort_value(), sort_value(), sort_value()),
        (sort_value(), sort_value(), sort_value()),
    )
        .prop_map(
            |((t, a, s, id), (coll, name, ph, sh), (created, log, x))| MismatchRow {
                subscriber_id: s,
                record_type: t,
                record_action: a,
                record_id: id,
                collection_id: coll,
                name,
                publisher_hash: ph,
                subscriber_hash: sh,
                created,
                log_id: log,
                extra: vec![("extra".into(), x)],
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every column, both directions, all rows and a large and a small filtered subset: the
    /// store's order is the stable sort by the bytes of the text (ties in file order, also when
    /// descending).
    #[test]
    fn every_column_sorts_like_a_stable_sort(rows in proptest::collection::vec(sort_row(), 0..120)) {
        let store = ReportStore::from_rows(&rows).unwrap();
        let columns = [
            Column::SubscriberId, Column::RecordType, Column::RecordAction, Column::RecordId,
            Column::CollectionId, Column::Name, Column::PublisherHash, Column::SubscriberHash,
            Column::Created, Column::LogId, Column::Extra(0),
        ];
        let filters = [
            vec![],
            vec![RecordType::Rendition],
            vec![RecordType::Other("RARE".into())],
        ];
        // With no rows there is no extra column (extras are the union of the rows').
        for c in columns.into_iter().filter(|c| !rows.is_empty() || !matches!(c, Column::Extra(_))) {
            for d in [Direction::Asc, Direction::Desc] {
                for types in &filters {
                    let q = Query { filter: Filter { types: types.clone(), ..Default::default() }, sort: Some((c, d)), limit: u64::MAX, ..Default::default() };
                    let mut want: Vec<usize> = (0..rows.len())
                        .filter(|&i| types.is_empty() || types.contains(&rows[i].record_type))
                        .collect();
                    let key = |i: usize| -> &[u8] {
                        match c {
                            Column::Extra(_) => rows[i].extra[0].1.as_bytes(),
                            c => cell(&rows[i], c).as_bytes(),
                        }
                    };
                    want.sort_by(|&a, &b| {
                        let o = key(a).cmp(key(b));
                        if d == Direction::Desc { o.reverse() } else { o }
                    });
                    let got: Vec<usize> = store.query(&q).unwrap().rows.iter().map(|r| r.index as usize).collect();
                    prop_assert_eq!(got, want, "{:?} {:?} {:?}", c, d, types);
                }
            }
        }
    }
}
