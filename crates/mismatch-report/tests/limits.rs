//! Bounds on hostile input: file size, header width, line length and the length of quoted text
//! in errors. Every input is generated here and read three ways (row reader, parallel store
//! load, sequential store load from a stream); all three must refuse it the same way.

use std::path::Path;

use mismatch_report::error::MAX_EXCERPT_CHARS;
use mismatch_report::reader::{DEFAULT_MAX_BYTES, DEFAULT_MAX_LINE_BYTES, MAX_COLUMNS};
use mismatch_report::{OnMalformed, ReaderOptions, ReportError, ReportReader, ReportStore};

/// The outcome of the three ways of reading `bytes` (written to a file in `dir`).
fn three_ways(dir: &Path, bytes: &[u8], options: ReaderOptions) -> [Result<usize, ReportError>; 3] {
    let path = dir.join("in.csv");
    std::fs::write(&path, bytes).unwrap();
    let by_reader = ReportReader::open(&path, options).and_then(|r| {
        let rows: Result<Vec<_>, _> = r.collect();
        rows.map(|rows| rows.len())
    });
    let by_store = ReportStore::open(&path, options).map(|s| s.len());
    let by_stream = ReportStore::from_reader(bytes, options).map(|s| s.len());
    [by_reader, by_store, by_stream]
}

fn header_with_extras(extras: usize) -> String {
    let mut h = String::from("recordType,recordAction,recordId");
    for i in 0..extras {
        h.push_str(&format!(",x{i}"));
    }
    h.push('\n');
    h
}

#[test]
fn a_very_wide_header_is_refused_before_anything_is_built() {
    let dir = tempfile::tempdir().unwrap();
    // 2,000 columns.
    let text = header_with_extras(2000 - 3) + "MEDIA_ITEM,CREATE,r1\n";
    for r in three_ways(dir.path(), text.as_bytes(), ReaderOptions::default()) {
        let e = r.unwrap_err();
        assert!(
            matches!(
                e,
                ReportError::TooManyColumns {
                    columns: 2000,
                    limit: MAX_COLUMNS
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("line 1") && e.to_string().contains("1000"));
    }
    // A line of a million commas: refused the same way, counted to the end.
    let commas = format!("type,action,recordId{}\n", ",".repeat(1_000_000));
    for r in three_ways(dir.path(), commas.as_bytes(), ReaderOptions::default()) {
        let e = r.unwrap_err();
        assert!(
            matches!(
                e,
                ReportError::TooManyColumns {
                    columns: 1_000_003,
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[test]
fn a_header_of_exactly_the_column_limit_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = header_with_extras(MAX_COLUMNS - 3);
    for i in 0..50 {
        text.push_str(&format!("MEDIA_ITEM,CREATE,r{i}"));
        text.push_str(&",v".repeat(MAX_COLUMNS - 3));
        text.push('\n');
    }
    for r in three_ways(dir.path(), text.as_bytes(), ReaderOptions::default()) {
        assert_eq!(r.unwrap(), 50);
    }
}

#[test]
fn a_long_line_without_an_end_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    // The default limit: a 3 MiB row with no line end after a good row.
    let mut text = b"type,action,recordId\nMEDIA_ITEM,CREATE,a\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', 3 << 20));
    for r in three_ways(dir.path(), &text, ReaderOptions::default()) {
        let e = r.unwrap_err();
        assert!(
            matches!(
                e,
                ReportError::LineTooLong {
                    line: 3,
                    limit: DEFAULT_MAX_LINE_BYTES
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("line 3:") && e.to_string().contains("1 MiB"));
    }
    // The same within an unclosed quote that holds line ends: the record starts on line 3.
    let mut quoted = b"type,action,recordId\nMEDIA_ITEM,CREATE,a\nMEDIA_ITEM,CREATE,\"".to_vec();
    for _ in 0..(3 << 16) {
        quoted.extend_from_slice(b"0123456789abcde\n");
    }
    for r in three_ways(dir.path(), &quoted, ReaderOptions::default()) {
        let e = r.unwrap_err();
        assert!(
            matches!(e, ReportError::LineTooLong { line: 3, .. }),
            "{e:?}"
        );
    }
    // A header line with no end at all.
    let header = vec![b'a'; 5 << 20];
    for r in three_ways(dir.path(), &header, ReaderOptions::default()) {
        let e = r.unwrap_err();
        assert!(
            matches!(
                e,
                ReportError::LineTooLong {
                    line: 1,
                    limit: DEFAULT_MAX_LINE_BYTES
                }
            ),
            "{e:?}"
        );
    }
}

#[test]
fn a_low_line_limit_refuses_longer_lines_even_when_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let options = ReaderOptions {
        max_line_bytes: 64,
        on_malformed: OnMalformed::Skip,
        ..Default::default()
    };
    let ok = b"type,action,recordId\nMEDIA_ITEM,CREATE,a\nMEDIA_ITEM,CREATE,b\n".to_vec();
    for r in three_ways(dir.path(), &ok, options) {
        assert_eq!(r.unwrap(), 2);
    }
    let mut long = ok.clone();
    long.extend_from_slice(format!("MEDIA_ITEM,CREATE,{}\n", "c".repeat(100)).as_bytes());
    long.extend_from_slice(b"MEDIA_ITEM,CREATE,d\n");
    for r in three_ways(dir.path(), &long, options) {
        let e = r.unwrap_err();
        assert!(
            matches!(e, ReportError::LineTooLong { line: 4, limit: 64 }),
            "{e:?}"
        );
    }
    // The header is bounded by the same limit.
    let wide = format!("type,action,recordId,{}\n", "h".repeat(100));
    for r in three_ways(dir.path(), wide.as_bytes(), options) {
        let e = r.unwrap_err();
        assert!(
            matches!(e, ReportError::LineTooLong { line: 1, limit: 64 }),
            "{e:?}"
        );
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_naming_the_file_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"type,action,recordId\n".to_vec();
    for i in 0..100 {
        text.extend_from_slice(format!("MEDIA_ITEM,CREATE,r{i}\n").as_bytes());
    }
    let size = text.len() as u64;
    let options = ReaderOptions {
        max_bytes: 1024,
        ..Default::default()
    };
    let path = dir.path().join("in.csv");
    let [by_reader, by_store, by_stream] = three_ways(dir.path(), &text, options);
    for e in [by_reader.unwrap_err(), by_store.unwrap_err()] {
        assert!(
            matches!(&e, ReportError::FileTooLarge { path: p, size: s, limit: 1024 } if *p == path && *s == size),
            "{e:?}"
        );
        let m = e.to_string();
        assert!(m.contains("in.csv") && m.contains("1 KiB"), "{m}");
    }
    // A stream has no size up front: refused once more than the limit has been read.
    let e = by_stream.unwrap_err();
    assert!(
        matches!(&e, ReportError::FileTooLarge { size, limit: 1024, .. } if *size > 1024),
        "{e:?}"
    );
    // The row reader over a stream: refused as soon as more has been read, at the header or
    // after some rows.
    let e = ReportReader::from_reader(&text[..], options).err().unwrap();
    assert!(
        matches!(e, ReportError::FileTooLarge { limit: 1024, .. }),
        "{e:?}"
    );
    let mut big = b"type,action,recordId\n".to_vec();
    for i in 0..10_000 {
        big.extend_from_slice(format!("MEDIA_ITEM,CREATE,r{i}\n").as_bytes());
    }
    let limited = ReaderOptions {
        max_bytes: 100 << 10,
        ..Default::default()
    };
    let r = ReportReader::from_reader(&big[..], limited).unwrap();
    let (rows, errors): (Vec<_>, Vec<_>) = r.partition(Result::is_ok);
    assert!(rows.len() > 1000 && rows.len() < 10_000, "{}", rows.len());
    assert!(
        matches!(
            errors[..],
            [Err(ReportError::FileTooLarge { limit: 102_400, .. })]
        ),
        "{errors:?}"
    );
    // Exactly at the limit: fine.
    let exact = ReaderOptions {
        max_bytes: size,
        ..Default::default()
    };
    for r in three_ways(dir.path(), &text, exact) {
        assert_eq!(r.unwrap(), 100);
    }
    assert_eq!(ReaderOptions::default().max_bytes, DEFAULT_MAX_BYTES);
}

#[test]
fn options_from_older_json_take_the_default_limits() {
    let o: ReaderOptions =
        serde_json::from_str(r#"{"onMalformed":"skip","unneutralise":false}"#).unwrap();
    assert_eq!(o.on_malformed, OnMalformed::Skip);
    assert_eq!(o.max_bytes, DEFAULT_MAX_BYTES);
    assert_eq!(o.max_line_bytes, DEFAULT_MAX_LINE_BYTES);
    let o: ReaderOptions = serde_json::from_str(r#"{"maxBytes":10,"maxLineBytes":5}"#).unwrap();
    assert_eq!((o.max_bytes, o.max_line_bytes), (10, 5));
    assert!(o.unneutralise);
}

#[test]
fn quoted_text_in_errors_is_at_most_200_characters() {
    let dir = tempfile::tempdir().unwrap();
    // A malformed line with a long field.
    let text = format!(
        "type,action,recordId\nMEDIA_ITEM,CREATE,a\n{},x\n",
        "é".repeat(5000)
    );
    for r in three_ways(dir.path(), text.as_bytes(), ReaderOptions::default()) {
        let e = r.unwrap_err();
        let ReportError::Malformed { line, record, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*line, 3);
        assert_eq!(record.chars().count(), MAX_EXCERPT_CHARS, "{record}");
        assert!(record.ends_with('…'));
    }
    // A header that names no report column, with long cells.
    let text = format!("{},{}\nx,y\n", "a".repeat(3000), "b".repeat(3000));
    for r in three_ways(dir.path(), text.as_bytes(), ReaderOptions::default()) {
        let e = r.unwrap_err();
        let ReportError::UnrecognisedHeader { found } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(found.chars().count(), MAX_EXCERPT_CHARS);
    }
    // Two spellings of one column, both long.
    let text = format!("type,action,recordId,record {}id,x\n", " ".repeat(1000));
    let e = ReportStore::from_reader(text.as_bytes(), ReaderOptions::default()).unwrap_err();
    let ReportError::DuplicateColumn { second, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(second.chars().count() <= MAX_EXCERPT_CHARS);
}
