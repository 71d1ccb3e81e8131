//! Benchmark of load, queries, summary and export on one report file; prints one JSON object.
//!
//! `cargo run --release -p mismatch-report --example bench -- FILE`
//!
//! Every query is timed cold (first run, nothing cached). DuckDB's `read_csv` of the same file
//! into a table is measured in the same run when `python3 -c "import duckdb"` works (else null).

use std::process::{Command, ExitCode};
use std::time::Instant;

use mismatch_report::{
    Column, Direction, Filter, Query, ReaderOptions, RecordAction, RecordType, ReportStore,
    WriterOptions,
};

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

fn duckdb_load_ms(file: &str) -> Option<f64> {
    let script = r#"
import sys, time
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, header=true)", [sys.argv[1]])
el = time.perf_counter() - t
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
print(el * 1000.0, n)
"#;
    let out = match Command::new("python3").args(["-c", script, file]).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("duckdb: cannot run python3: {e}");
            return None;
        }
    };
    if !out.status.success() {
        eprintln!("duckdb: {}", String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    let Some(v) = last
        .split_whitespace()
        .next()
        .and_then(|t| t.parse::<f64>().ok())
    else {
        eprintln!("duckdb: unexpected output {text:?}");
        return None;
    };
    Some((v * 100.0).round() / 100.0)
}

fn main() -> ExitCode {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: bench FILE");
        return ExitCode::from(2);
    };
    let duck = duckdb_load_ms(&file);

    let t = Instant::now();
    let store = match ReportStore::open(&file, ReaderOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let load_ms = ms(t);

    let run = |q: &Query| -> Result<f64, mismatch_report::ReportError> {
        let t = Instant::now();
        let r = store.query(q)?;
        let el = ms(t);
        eprintln!("{} rows of {} matches", r.rows.len(), r.total);
        Ok(el)
    };
    let result = (|| -> Result<serde_json::Value, mismatch_report::ReportError> {
        let type_rendition_ms = run(&Query {
            filter: Filter {
                types: vec![RecordType::Rendition],
                ..Default::default()
            },
            limit: 100,
            ..Default::default()
        })?;
        let delete_jpg_ms = run(&Query {
            filter: Filter {
                actions: vec![RecordAction::Delete],
                text: "jpg".into(),
                ..Default::default()
            },
            limit: 100,
            ..Default::default()
        })?;
        let sort_name_desc_window_ms = run(&Query {
            sort: Some((Column::Name, Direction::Desc)),
            offset: 500_000,
            limit: 100,
            ..Default::default()
        })?;
        // For the log only (stderr): the same kinds of query once their indexes exist.
        let again = run(&Query {
            filter: Filter {
                actions: vec![RecordAction::Delete],
                text: "png".into(),
                ..Default::default()
            },
            limit: 100,
            ..Default::default()
        })?;
        let again_sort = run(&Query {
            sort: Some((Column::Name, Direction::Desc)),
            offset: 250_000,
            limit: 100,
            ..Default::default()
        })?;
        eprintln!("warm: text query {again} ms, sorted window {again_sort} ms");
        let t = Instant::now();
        let summary = store.summary(&Filter::default());
        let summary_ms = ms(t);
        eprintln!(
            "summary: {} cells, {} rows",
            summary.cells.len(),
            summary.total
        );
        let out = std::env::temp_dir().join(format!("bench-export-{}.csv", std::process::id()));
        let t = Instant::now();
        let w = store.export(
            &Filter {
                types: vec![RecordType::MediaItem],
                ..Default::default()
            },
            None,
            &out,
            WriterOptions::default(),
        )?;
        let export_ms = ms(t);
        eprintln!("export: {} rows, {} bytes", w.rows, w.bytes);
        let _ = std::fs::remove_file(&out);
        Ok(serde_json::json!({
            "rows": store.len(),
            "load_ms": load_ms,
            "peak_rss_mb": peak_rss_mb(),
            "type_rendition_ms": type_rendition_ms,
            "delete_jpg_ms": delete_jpg_ms,
            "sort_name_desc_window_ms": sort_name_desc_window_ms,
            "summary_ms": summary_ms,
            "export_media_item_ms": export_ms,
            "duckdb_load_ms": duck,
        }))
    })();
    match result {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
