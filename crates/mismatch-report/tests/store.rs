//! The store end to end: multi-chunk parallel loads (quoted newlines across chunk cuts, odd
//! quoting that forces the sequential fallback), progress and cancel, diff, export.

use std::sync::atomic::AtomicBool;

use mismatch_report::{
    Column, Direction, Filter, MismatchRow, Query, ReaderOptions, RecordAction, RecordType,
    ReportError, ReportReader, ReportStore, ReportWriter, WriterOptions,
};

fn row(i: usize) -> MismatchRow {
    let name = match i % 7 {
        0 => format!("multi\nline \"{i}\".jpg"),
        1 => format!("=formula{i}"),
        2 => format!("comma, {i}.png"),
        _ => format!("IMG_{i:06}.jpg"),
    };
    MismatchRow {
        subscriber_id: format!("sub-{}", i % 3),
        record_type: [
            RecordType::Rendition,
            RecordType::MediaItem,
            RecordType::Version,
        ][i % 3]
            .clone(),
        record_action: [
            RecordAction::Create,
            RecordAction::Update,
            RecordAction::Delete,
        ][i % 5 % 3]
            .clone(),
        record_id: format!("{:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b", i),
        collection_id: format!("col-{}", i % 50),
        name,
        publisher_hash: format!("{:032x}", i * 7919),
        subscriber_hash: String::new(),
        created: format!(
            "2025-05-01T10:{:02}:{:02}.{:03}Z",
            i / 60000 % 60,
            i / 1000 % 60,
            i % 1000
        ),
        log_id: format!("log-{i}"),
        extra: vec![("tenant".into(), format!("t{}", i % 2))],
    }
}

fn write(path: &std::path::Path, rows: &[MismatchRow]) {
    let mut w = ReportWriter::create(path, WriterOptions::default()).unwrap();
    for r in rows {
        w.write_row(r).unwrap();
    }
    w.finish().unwrap();
}

fn read_rows(path: &std::path::Path) -> Vec<MismatchRow> {
    ReportReader::open(path, ReaderOptions::default())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn parallel_load_of_many_chunks_equals_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let rows: Vec<MismatchRow> = (0..60_000).map(row).collect();
    write(&path, &rows);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 8 << 20, "needs several chunks, got {size}");
    let mut seen = Vec::new();
    let store = ReportStore::load(
        &path,
        ReaderOptions::default(),
        &mut |p| seen.push(p),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(store.to_rows(), rows);
    assert!(seen.len() >= 3);
    assert!(seen
        .windows(2)
        .all(|w| w[0].bytes < w[1].bytes && w[0].rows <= w[1].rows));
    let last = seen.last().unwrap();
    assert_eq!(
        (last.bytes, last.total_bytes, last.rows),
        (size, size, 60_000)
    );
}

#[test]
fn odd_quoting_falls_back_to_one_pass_with_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.csv");
    // A lone quote inside an unquoted field (kept literally by CSV parsers) flips the quote
    // parity for the rest of the file, so the chunk cuts land inside "quoted" text.
    let mut text = String::from("recordType,recordAction,recordId,name\n");
    text.push_str("MEDIA_ITEM,CREATE,r0,it\"s here\n");
    for i in 1..150_000u32 {
        if i.is_multiple_of(1000) {
            text.push_str(&format!("RENDITION,UPDATE,r{i},\"two\nlines\"\n"));
        } else {
            text.push_str(&format!(
                "RENDITION,UPDATE,r{i},name number {i} with some padding text\n"
            ));
        }
    }
    std::fs::write(&path, &text).unwrap();
    assert!(text.len() > 8 << 20);
    let store = ReportStore::open(&path, ReaderOptions::default()).unwrap();
    let expected = read_rows(&path);
    assert_eq!(expected.len(), 150_000);
    assert_eq!(expected[0].name, "it\"s here");
    assert_eq!(store.to_rows(), expected);
}

#[test]
fn cancel_stops_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    write(&path, &(0..100).map(row).collect::<Vec<_>>());
    let err = ReportStore::load(
        &path,
        ReaderOptions::default(),
        &mut |_| {},
        &AtomicBool::new(true),
    )
    .unwrap_err();
    assert!(matches!(err, ReportError::Cancelled));
    let err =
        ReportStore::open(dir.path().join("missing.csv"), ReaderOptions::default()).unwrap_err();
    assert!(err.to_string().contains("missing.csv"), "{err}");
}

#[test]
fn diff_before_and_after() {
    let before: Vec<MismatchRow> = (0..10).map(row).collect();
    // After: rows 0..4 fixed, 5..9 remain, two new ones, one duplicate of a remaining key.
    let mut after: Vec<MismatchRow> = (5..12).map(row).collect();
    after.push(row(7));
    let (a, b) = (
        ReportStore::from_rows(&before).unwrap(),
        ReportStore::from_rows(&after).unwrap(),
    );
    let d = ReportStore::diff(&a, &b);
    assert_eq!(d.only_a, vec![0, 1, 2, 3, 4]);
    assert_eq!(d.only_b, vec![5, 6, 7]);
    assert_eq!(d.both, vec![(5, 0), (6, 1), (7, 2), (8, 3), (9, 4)]);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["onlyA"].as_array().unwrap().len(), 5);
}

#[test]
fn export_writes_the_filtered_sorted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<MismatchRow> = (0..500).map(row).collect();
    let store = ReportStore::from_rows(&rows).unwrap();
    let filter = Filter {
        types: vec![RecordType::MediaItem],
        subscribers: vec!["sub-1".into(), "sub-0".into()],
        text: "A".into(),
        ..Default::default()
    };
    let sort = Some((Column::Name, Direction::Desc));
    let out = dir.path().join("export.csv");
    let summary = store
        .export(
            &filter,
            sort,
            &out,
            WriterOptions {
                bom: true,
                ..Default::default()
            },
        )
        .unwrap();
    let q = Query {
        filter: filter.clone(),
        sort,
        limit: u64::MAX,
        ..Default::default()
    };
    let expected: Vec<MismatchRow> = store
        .query(&q)
        .unwrap()
        .rows
        .into_iter()
        .map(|w| w.row)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(summary.rows as usize, expected.len());
    assert_eq!(read_rows(&out), expected);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbfsubscriberId,"));
    assert!(
        String::from_utf8_lossy(&bytes).contains(",'=formula"),
        "neutralised on export"
    );
}

#[test]
fn query_result_serialises_for_the_ui() {
    let rows: Vec<MismatchRow> = (0..5).map(row).collect();
    let store = ReportStore::from_rows(&rows).unwrap();
    let q: Query = serde_json::from_str(
        r#"{"types":["MEDIA_ITEM"],"sort":["name","desc"],"offset":0,"limit":10}"#,
    )
    .unwrap();
    let r = store.query(&q).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["total"], 2);
    assert_eq!(v["rows"][0]["index"], 4);
    assert_eq!(v["rows"][0]["recordType"], "MEDIA_ITEM");
    assert_eq!(v["rows"][0]["name"], "IMG_000004.jpg");
    let s = serde_json::to_value(store.summary(&Filter::default())).unwrap();
    assert_eq!(s["total"], 5);
    assert_eq!(s["cells"][0]["recordType"], "MEDIA_ITEM");
}

#[test]
fn prepared_sort_gives_the_same_windows() {
    let rows: Vec<MismatchRow> = (0..3000).map(row).collect();
    let cold = ReportStore::from_rows(&rows).unwrap();
    let warm = ReportStore::from_rows(&rows).unwrap();
    assert!(!warm.is_sort_ready(Column::Name));
    // A warm-up and a query at once: one build, the same answers.
    std::thread::scope(|s| {
        s.spawn(|| warm.prepare_sort(Column::Name).unwrap());
        s.spawn(|| warm.prepare_sort(Column::Name).unwrap());
    });
    assert!(warm.is_sort_ready(Column::Name));
    assert!(!warm.is_sort_ready(Column::Created));
    // The warm-up on one core: every column of the order, the same answers.
    let warmer = mismatch_report::WarmUp::new().unwrap();
    let order = warm.sort_warm_up_order();
    assert_eq!(order[0], Column::Name);
    for c in &order {
        warmer.sort(&warm, *c).unwrap();
        assert!(warm.is_sort_ready(*c));
    }
    for c in order {
        let q = Query {
            sort: Some((c, Direction::Asc)),
            offset: 7,
            limit: 30,
            ..Default::default()
        };
        assert_eq!(cold.query(&q).unwrap(), warm.query(&q).unwrap(), "{c:?}");
    }
    assert!(matches!(
        warm.prepare_sort(Column::Extra(3)),
        Err(ReportError::NoSuchColumn { .. })
    ));
    let q = Query {
        sort: Some((Column::Name, Direction::Desc)),
        offset: 1000,
        limit: 50,
        ..Default::default()
    };
    let a = cold.query(&q).unwrap();
    assert_eq!(a.rows.len(), 50);
    assert_eq!(a, warm.query(&q).unwrap());
}
