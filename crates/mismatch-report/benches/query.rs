//! Criterion benches of the query paths over a generated 200,000-row report (or the report in
//! `MR_BENCH_FILE`). Filters cycle through more needles than the cache holds, so "cold" cases
//! really recompute their match sets.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mismatch_report::{
    Column, Direction, Filter, MismatchRow, Query, ReaderOptions, RecordAction, RecordType,
    ReportStore,
};

fn store() -> ReportStore {
    if let Ok(path) = std::env::var("MR_BENCH_FILE") {
        return ReportStore::open(path, ReaderOptions::default()).expect("MR_BENCH_FILE loads");
    }
    let types = [
        RecordType::Rendition,
        RecordType::MediaItem,
        RecordType::Version,
        RecordType::Collection,
    ];
    let actions = [
        RecordAction::Create,
        RecordAction::Update,
        RecordAction::Delete,
    ];
    let exts = ["jpg", "png", "mp4", "pdf"];
    let rows: Vec<MismatchRow> = (0..200_000u64)
        .map(|i| {
            let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            MismatchRow {
                subscriber_id: format!("sub-{}", h % 3),
                record_type: types[(h >> 8) as usize % 4].clone(),
                record_action: actions[(h >> 16) as usize % 3].clone(),
                record_id: format!("{:08x}-1c2d-4e5f-8a9b-{:012x}", h >> 32, i),
                collection_id: format!("{:08x}-0000-4000-8000-000000000000", h % 2000),
                name: format!("asset-{}.{}", h % 50_000, exts[(h >> 20) as usize % 4]),
                publisher_hash: format!("{h:032x}"),
                created: format!(
                    "2025-05-01T10:{:02}:{:02}.{:03}Z",
                    i / 60000 % 60,
                    i / 1000 % 60,
                    i % 1000
                ),
                log_id: format!("{:08x}-2c2d-4e5f-8a9b-{:012x}", h >> 40, i),
                ..Default::default()
            }
        })
        .collect();
    ReportStore::from_rows(&rows).expect("rows load")
}

fn benches(c: &mut Criterion) {
    let s = store();
    let needles: Vec<String> = (0..16).map(|i| format!("asset-{i}")).collect();
    let mut k = 0usize;
    c.bench_function("type filter, window (cached)", |b| {
        let q = Query {
            filter: Filter {
                types: vec![RecordType::Rendition],
                ..Default::default()
            },
            limit: 100,
            ..Default::default()
        };
        b.iter(|| black_box(s.query(&q).unwrap().total))
    });
    c.bench_function("action + text filter (cold)", |b| {
        b.iter(|| {
            k += 1;
            let q = Query {
                filter: Filter {
                    actions: vec![RecordAction::Delete],
                    text: needles[k % needles.len()].clone(),
                    ..Default::default()
                },
                limit: 100,
                ..Default::default()
            };
            black_box(s.query(&q).unwrap().total)
        })
    });
    c.bench_function("sort name desc, window at the middle (index built)", |b| {
        let mut q = Query {
            sort: Some((Column::Name, Direction::Desc)),
            limit: 100,
            ..Default::default()
        };
        let n = s.len() as u64;
        b.iter(|| {
            q.offset = (q.offset + 7919) % n;
            black_box(s.query(&q).unwrap().rows.len())
        })
    });
    c.bench_function("sort by created of a filtered set (cold order)", |b| {
        b.iter(|| {
            k += 1;
            let q = Query {
                filter: Filter {
                    text: needles[k % needles.len()].clone(),
                    ..Default::default()
                },
                sort: Some((Column::Created, Direction::Desc)),
                limit: 100,
                ..Default::default()
            };
            black_box(s.query(&q).unwrap().total)
        })
    });
    c.bench_function("summary, whole report", |b| {
        b.iter(|| black_box(s.summary(&Filter::default()).total))
    });
    c.bench_function("summary, filtered (cold)", |b| {
        b.iter(|| {
            k += 1;
            let f = Filter {
                text: needles[k % needles.len()].clone(),
                ..Default::default()
            };
            black_box(s.summary(&f).total)
        })
    });
}

criterion_group! {
    name = query;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(query);
