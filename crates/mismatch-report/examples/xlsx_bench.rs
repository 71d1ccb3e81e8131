//! Benchmark of the Excel export: load a report, export all of it to `.xlsx`, print one JSON line
//! (`rows`, `load_ms`, `xlsx_ms`, `bytes`, `peak_rss_mb`, and `load_peak_rss_mb`, the peak
//! before the export, so the difference is what the export itself held).
//!
//! ```text
//! cargo run --release -p mismatch-report --example xlsx_bench [-- REPORT.csv]
//! ```
//!
//! Without a file, a 1,000,000-row report is made first by the `gen` example (seed 1, in a
//! temporary folder, removed at the end), as for the other benchmarks.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use mismatch_report::{Filter, ReaderOptions, ReportStore, XlsxAbout};

#[path = "../../../examples/support/peak_rss.rs"]
mod peak_rss;

const ROWS: u64 = 1_000_000;

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

/// Writes a `ROWS`-row report to `out` with the `gen` example: its binary beside this one when
/// built, else through cargo.
fn generate(out: &Path) -> Result<(), String> {
    let args = [
        "--rows".to_string(),
        ROWS.to_string(),
        "--seed".into(),
        "1".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    let beside = std::env::current_exe()
        .ok()
        .map(|p| p.with_file_name(format!("gen{}", std::env::consts::EXE_SUFFIX)))
        .filter(|p| p.is_file());
    let status = match beside {
        Some(gen) => Command::new(gen).args(&args).status(),
        None => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            Command::new(cargo)
                .args([
                    "run",
                    "--quiet",
                    "--release",
                    "-p",
                    "mismatch-report",
                    "--example",
                    "gen",
                    "--",
                ])
                .args(&args)
                .status()
        }
    };
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("gen failed: {s}")),
        Err(e) => Err(format!("cannot run gen: {e}")),
    }
}

fn main() -> ExitCode {
    let work = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("temporary folder: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report: PathBuf = match std::env::args().nth(1) {
        Some(p) => PathBuf::from(p),
        None => {
            let p = work.path().join("report-1m.csv");
            if let Err(e) = generate(&p) {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            p
        }
    };

    let t = Instant::now();
    let store = match ReportStore::open(&report, ReaderOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let load_ms = ms(t);
    let proc_self = Path::new("/proc/self");
    let load_peak_rss_mb = peak_rss::peak_rss_mb(proc_self);

    let about = XlsxAbout {
        subscriber_name: "Bench subscriber".into(),
        subscriber_id: "00000000-0000-4000-8000-000000000000".into(),
        find_time: "2025-05-01 10:00 UTC".into(),
        complete: true,
        source_file: report
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let out = work.path().join("report.xlsx");
    let t = Instant::now();
    let written = match store.export_xlsx(&Filter::default(), None, &out, &about) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let xlsx_ms = ms(t);
    eprintln!(
        "xlsx: {} rows on {} sheets, {} bytes",
        written.rows, written.sheets, written.bytes
    );
    println!(
        "{}",
        serde_json::json!({
            "rows": store.len(),
            "load_ms": load_ms,
            "xlsx_ms": xlsx_ms,
            "bytes": written.bytes,
            "peak_rss_mb": peak_rss::peak_rss_mb(proc_self),
            "load_peak_rss_mb": load_peak_rss_mb,
        })
    );
    ExitCode::SUCCESS
}
