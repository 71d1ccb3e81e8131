//! The reader and the store over the fixture files, with exact expectations. Every fixture is
//! read three ways (row reader, parallel store load, sequential store load) and they must agree.

use std::path::PathBuf;

use mismatch_report::{
    MismatchRow, OnMalformed, ReaderOptions, RecordAction, RecordType, ReportError, ReportReader,
    ReportStore,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn opts(on: OnMalformed) -> ReaderOptions {
    ReaderOptions {
        on_malformed: on,
        ..Default::default()
    }
}

/// Rows (and skipped count) read all three ways; panics if they disagree.
fn read_all(name: &str, on: OnMalformed) -> Result<(Vec<MismatchRow>, u64), String> {
    let path = fixture(name);
    let by_reader = ReportReader::open(&path, opts(on)).and_then(|mut r| {
        let rows: Result<Vec<_>, _> = r.by_ref().collect();
        rows.map(|rows| (rows, r.skipped().count))
    });
    let by_store = ReportStore::open(&path, opts(on)).map(|s| (s.to_rows(), s.skipped().count));
    let bytes = std::fs::read(&path).unwrap();
    let by_stream =
        ReportStore::from_reader(&bytes[..], opts(on)).map(|s| (s.to_rows(), s.skipped().count));
    let show = |r: Result<(Vec<MismatchRow>, u64), ReportError>| r.map_err(|e| e.to_string());
    let (a, b, c) = (show(by_reader), show(by_store), show(by_stream));
    assert_eq!(a, b, "{name}: reader vs store");
    assert_eq!(b, c, "{name}: store vs stream");
    a
}

#[test]
fn ours() {
    let (rows, skipped) = read_all("ours.csv", OnMalformed::Fail).unwrap();
    assert_eq!(skipped, 0);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].record_type, RecordType::Rendition);
    assert_eq!(rows[0].record_action, RecordAction::Delete);
    assert_eq!(rows[0].record_id, "0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(rows[0].name, "banner, summer.jpg");
    assert_eq!(rows[0].subscriber_hash, "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(rows[0].created, "2025-05-01T10:00:00.000Z");
    assert_eq!(
        rows[0].extra,
        vec![("tenant".to_string(), "t1".to_string())]
    );
    // The writer's neutralisation is undone.
    assert_eq!(rows[1].name, "=cmd|' /C calc'!A0");
    assert_eq!(rows[2].name, "two\r\nlines \"quoted\".png");
    assert_eq!(rows[2].collection_id, "");
    assert_eq!(rows[2].extra[0].1, "");
}

#[test]
fn dxclient_variant_other_spellings_and_order() {
    let (rows, _) = read_all("dxclient_variant.csv", OnMalformed::Fail).unwrap();
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.log_id, "l1");
    assert_eq!(r.record_type, RecordType::MediaItem);
    assert_eq!(r.record_action, RecordAction::Create);
    assert_eq!(r.record_id, "r1");
    assert_eq!(r.name, "Ünïcödé 東京.jpg");
    assert_eq!(r.collection_id, "c1");
    assert_eq!(r.subscriber_id, "s1");
    assert_eq!(r.publisher_hash, "ph1");
    assert_eq!(r.created, "2025-05-01T10:00:00Z");
    assert!(r.extra.is_empty());
    assert_eq!(rows[1].record_type, RecordType::Collection);
    assert_eq!(rows[1].record_action, RecordAction::Update);
}

#[test]
fn bom_crlf_snake_case() {
    let (rows, _) = read_all("bom_crlf_snake.csv", OnMalformed::Fail).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].subscriber_id, "s1");
    assert_eq!(rows[1].record_action, RecordAction::Create);
    assert_eq!(rows[1].record_id, "k2");
}

#[test]
fn unknown_columns_and_values_are_kept() {
    let (rows, _) = read_all("unknown_columns.csv", OnMalformed::Fail).unwrap();
    assert_eq!(rows[0].record_type, RecordType::Other("SMART_TAG".into()));
    assert_eq!(
        rows[0].extra,
        vec![
            ("zone".to_string(), "eu".to_string()),
            ("Extra Info".to_string(), "a,b".to_string())
        ]
    );
    assert_eq!(rows[1].record_action, RecordAction::Other("PURGE".into()));
}

#[test]
fn broken_field_count_fails_or_skips() {
    let err = read_all("broken_field_count.csv", OnMalformed::Fail).unwrap_err();
    assert_eq!(
        err,
        "line 3: 2 fields where the header has 3: MEDIA_ITEM,CREATE"
    );
    let (rows, skipped) = read_all("broken_field_count.csv", OnMalformed::Skip).unwrap();
    assert_eq!(skipped, 2);
    let ids: Vec<&str> = rows.iter().map(|r| r.record_id.as_str()).collect();
    assert_eq!(ids, ["a", "d"]);
    let s = ReportStore::open(fixture("broken_field_count.csv"), opts(OnMalformed::Skip)).unwrap();
    let lines: Vec<u64> = s
        .skipped()
        .errors
        .iter()
        .map(|e| match e {
            ReportError::Malformed { line, .. } => *line,
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(lines, [3, 4]);
}

#[test]
fn not_utf8_names_line_and_column() {
    let err = read_all("not_utf8.csv", OnMalformed::Fail).unwrap_err();
    assert!(
        err.starts_with("line 3, column `name`: the text is not valid UTF-8"),
        "{err}"
    );
    let (rows, skipped) = read_all("not_utf8.csv", OnMalformed::Skip).unwrap();
    assert_eq!((rows.len(), skipped), (1, 1));
}

#[test]
fn binary_garbage_is_a_clear_error() {
    let err = read_all("binary.bin", OnMalformed::Skip).unwrap_err();
    assert!(err.contains("binary data"), "{err}");
}

#[test]
fn empty_and_unrecognised_files() {
    assert_eq!(
        read_all("empty.csv", OnMalformed::Fail).unwrap_err(),
        ReportError::Empty.to_string()
    );
    let err = read_all("no_mismatch_header.csv", OnMalformed::Fail).unwrap_err();
    assert!(err.contains("found: a,b,c"), "{err}");
}

#[test]
fn unterminated_quote_swallows_the_rest_into_one_field() {
    // As RFC 4180 parsers do: the open quote runs to the end of the file, so the record has the
    // right number of fields and the following line becomes part of the name.
    let (rows, _) = read_all("unterminated_quote.csv", OnMalformed::Fail).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "never closed\nMEDIA_ITEM,CREATE,b,x\n");
}
