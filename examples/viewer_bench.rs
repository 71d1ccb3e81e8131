//! The report viewer's command layer at scale, measured from Rust (figures as JSON):
//! open a report to its first window, filter keystrokes to their first window (with the count
//! and matrix the viewer also asks for), and scroll window requests at random places.
//!
//! ```text
//! cargo run --release -p mismatch-report --example gen -- --rows 1000000 --seed 1 --out /tmp/1m.csv
//! cargo run --release --example viewer_bench -- /tmp/1m.csv
//! ```

use std::path::PathBuf;
use std::time::Instant;

use dam_staging_console::reports::dto::{ViewSort, WindowRequest};
use dam_staging_console::reports::ReportRegistry;
use mismatch_report::{Filter, RecordType};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn stats(mut v: Vec<f64>) -> serde_json::Value {
    v.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    serde_json::json!({"n": v.len(), "p50": p(0.5), "p95": p(0.95), "max": p(1.0)})
}

#[path = "support/peak_rss.rs"]
mod peak_rss;

fn main() {
    let Some(path) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: viewer_bench REPORT.csv");
        std::process::exit(2);
    };
    let reg = ReportRegistry::new();
    let window = |offset: u32, filter: &Filter, sort: Option<ViewSort>| WindowRequest {
        filter: filter.clone(),
        sort,
        offset,
        limit: 100,
    };
    let none = Filter::default();

    let t = Instant::now();
    let info = reg.load_file(&path, "bench", &mut |_| {}).expect("load");
    let load_ms = ms(t);
    let t_first = Instant::now();
    let w = reg
        .window(&info.handle, &window(0, &none, None))
        .expect("window");
    let first_window_ms = ms(t_first);
    let open_ms = ms(t);
    assert_eq!(w.indexes.len(), 100.min(info.rows as usize));

    // Scroll: windows at pseudo-random offsets of the whole report, then of a sorted view.
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % u64::from(n.max(1))) as u32
    };
    let mut scroll = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        reg.window(&info.handle, &window(next(info.rows), &none, None))
            .unwrap();
        scroll.push(ms(t));
    }
    // The same, with the response serialised to JSON as the command's IPC reply is: the part of
    // the real window's round trip that Rust pays (WebKit's parse and the grid's paint excluded).
    let mut scroll_json = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let w = reg
            .window(&info.handle, &window(next(info.rows), &none, None))
            .unwrap();
        let bytes = serde_json::to_vec(&w).unwrap();
        assert!(!bytes.is_empty());
        scroll_json.push(ms(t));
    }
    let sort = Some(ViewSort {
        column: "name".into(),
        descending: false,
    });
    let t = Instant::now();
    reg.window(&info.handle, &window(0, &none, sort.clone()))
        .unwrap();
    let first_sort_ms = ms(t);
    // The background warm-up (started by the load) builds every column's sort index; once it is
    // done, a click on a header only orders the rows.
    let store = &reg.get(&info.handle).expect("open").store;
    let all_ready = || {
        store
            .sort_warm_up_order()
            .into_iter()
            .all(|c| store.is_sort_ready(c))
    };
    while !all_ready() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sorts_ready_ms = ms(t_first);
    let desc = Some(ViewSort {
        column: "name".into(),
        descending: true,
    });
    let t = Instant::now();
    reg.window(&info.handle, &window(info.rows / 2, &none, desc))
        .unwrap();
    let warm_sort_desc_ms = ms(t);
    let mut scroll_sorted = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        reg.window(&info.handle, &window(next(info.rows), &none, sort.clone()))
            .unwrap();
        scroll_sorted.push(ms(t));
    }

    // Filter keystrokes: what one keypress costs the viewer (first window + matrix summary).
    let mut keystrokes = Vec::new();
    let mut typed = String::new();
    for ch in "hero-ban".chars() {
        typed.push(ch);
        let f = Filter {
            text: typed.clone(),
            ..Filter::default()
        };
        let t = Instant::now();
        let w = reg.window(&info.handle, &window(0, &f, None)).unwrap();
        reg.summary(&info.handle, &f).unwrap();
        keystrokes.push(serde_json::json!({"text": typed, "ms": ms(t), "total": w.total}));
    }
    // The end of the report (End in the grid).
    let t = Instant::now();
    reg.window(
        &info.handle,
        &window(info.rows.saturating_sub(100), &none, None),
    )
    .unwrap();
    let last_window_ms = ms(t);
    let mut chips = Vec::new();
    for t_name in ["RENDITION", "MEDIA_ITEM", "COLLECTION"] {
        let f = Filter {
            types: vec![RecordType::parse(t_name)],
            ..Filter::default()
        };
        let t = Instant::now();
        let w = reg.window(&info.handle, &window(0, &f, None)).unwrap();
        reg.summary(&info.handle, &f).unwrap();
        chips.push(serde_json::json!({"type": t_name, "ms": ms(t), "total": w.total}));
    }
    let figures = serde_json::json!({
        "rows": info.rows,
        "loadMs": load_ms,
        "openToFirstWindowMs": open_ms,
        "firstWindowMs": first_window_ms,
        "scrollWindowMs": stats(scroll),
        "scrollWindowWithJsonMs": stats(scroll_json),
        "firstSortByNameMs": first_sort_ms,
        "allSortsReadyAfterOpenMs": sorts_ready_ms,
        "sortByNameDescMiddleWindowAfterWarmUpMs": warm_sort_desc_ms,
        "scrollSortedWindowMs": stats(scroll_sorted),
        "filterKeystrokes": keystrokes,
        "typeChips": chips,
        "lastWindowMs": last_window_ms,
        "peakRssMb": peak_rss::peak_rss_mb(std::path::Path::new("/proc/self")),
    });
    println!("{}", serde_json::to_string_pretty(&figures).unwrap());
}
