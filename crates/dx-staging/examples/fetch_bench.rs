//! Benchmark: fetch a large mismatch report from dam-sim into a CSV and print one JSON object
//! `{rows, ms, rows_per_s, peak_rss_mb, ...}`.
//!
//! `cargo run --release -p dx-staging --example fetch_bench -- [--collections N] [--items N]
//! [--page-size N] [--concurrency N]` (page size and concurrency default to the library's
//! [`FetchOptions::default`]).
//!
//! Besides the full fetch (`ms`) it times the two halves apart, same pages, same concurrency:
//! `sim_only_ms` fetches every page over HTTP and throws the bytes away (the simulator's query,
//! JSON encoding and the transport), and `client_only_ms` decodes one page's JSON into rows and
//! writes it through the CSV writer as many times as there are pages (no network, no simulator).
//!
//! Setup (not timed): a publisher seeded with `collections × items` media items (≈10 records
//! each) and an empty subscriber, so the find logs every record as CREATE. The timed part is
//! only the report fetch. Peak RSS is the process's high-water mark during the fetch (reset with
//! `/proc/self/clear_refs` on Linux); the simulator serving the pages runs in the same process,
//! so the figure includes it.

use std::time::{Duration, Instant};

use dx_staging::{Client, FetchOptions, Profile, ReportRequest, ResyncStatus};
use futures::StreamExt;
use mismatch_report::{ReportWriter, WriterOptions};
use serde_json::json;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn vm_hwm_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Logs in a page of JSON (every log has exactly one `"recordId"` key).
fn bytecount_objects(body: &[u8]) -> u64 {
    body.windows(10).filter(|w| w == b"\"recordId\"").count() as u64
}

/// Decodes `page` as the client does and writes its rows `times` times through the CSV
/// writer; answers the rows per page.
fn client_only(page: &[u8], times: u64, out: &std::path::Path) -> u64 {
    let mut writer = ReportWriter::create(out, WriterOptions::default()).expect("writer");
    let mut n = 0;
    for _ in 0..times {
        let items: Vec<serde_json::Value> = serde_json::from_slice(page).expect("page JSON");
        n = items.len() as u64;
        for item in items {
            let row = dx_staging::model::mismatch_row_from_json(item).expect("log object");
            writer.write_row(&row).expect("write");
        }
    }
    writer.finish().expect("finish");
    n
}

async fn admin_cookie(http: &reqwest::Client, base: &str) -> String {
    let resp = http
        .post(format!("{base}/dx/api/core/v1/auth/login"))
        .json(
            &json!({"username": dam_sim::DEFAULT_USERNAME, "password": dam_sim::DEFAULT_PASSWORD}),
        )
        .send()
        .await
        .expect("login");
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .strip_prefix("LtpaToken2=")
                .map(str::to_string)
        })
        .expect("cookie")
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let collections = arg("--collections", 1000);
    let items = arg("--items", 100);
    let defaults = FetchOptions::default();
    let page_size = arg("--page-size", defaults.page_size);
    let concurrency = arg("--concurrency", defaults.concurrency as u64) as usize;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut pc = dam_sim::EnvConfig::new(dam_sim::Role::Publisher, dir.path().join("pub.db"));
    pc.max_records_to_compare = 5000;
    let mut sc = dam_sim::EnvConfig::new(dam_sim::Role::Subscriber, dir.path().join("sub.db"));
    sc.max_records_to_compare = 5000;
    let publisher = dam_sim::start(pc).await.expect("publisher");
    let subscriber = dam_sim::start(sc).await.expect("subscriber");

    let http = reqwest::Client::new();
    let cookie = admin_cookie(&http, publisher.url()).await;
    let t = Instant::now();
    let seeded: serde_json::Value = http
        .post(format!("{}/sim/v1/seed", publisher.url()))
        .header("cookie", format!("LtpaToken2={cookie}"))
        .json(&json!({"collections": collections, "itemsPerCollection": items}))
        .timeout(Duration::from_secs(3600))
        .send()
        .await
        .expect("seed")
        .json()
        .await
        .expect("seed answer");
    let seed_ms = t.elapsed().as_millis();
    let reg: serde_json::Value = http
        .post(format!("{}/dx/api/dam/v1/staging/subscriber", publisher.url()))
        .header("cookie", format!("LtpaToken2={cookie}"))
        .json(&json!({"targetHost": format!("127.0.0.1:{}", subscriber.port()), "cycleLength": 30, "status": true}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("register answer");
    let sub_id = reg["id"].as_str().expect("id").to_string();

    let u = reqwest::Url::parse(publisher.url()).unwrap();
    let mut profile = Profile::new("127.0.0.1", dam_sim::DEFAULT_USERNAME);
    profile.dx_protocol = "http".into();
    let port = u.port().unwrap() as u32;
    (profile.dx_port, profile.ring_api_port, profile.dam_api_port) = (port, port, port);
    profile.timeouts.request_secs = 600;
    let client = Client::builder(&profile, dam_sim::DEFAULT_PASSWORD)
        .build()
        .expect("client");

    let t = Instant::now();
    client
        .subscribers()
        .start_find(&sub_id)
        .await
        .expect("find");
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let s = client.subscribers().get(&sub_id).await.expect("status");
        match s.resync_status {
            Some(ResyncStatus::FindMismatchCompleted) => break,
            Some(ResyncStatus::FindMismatchFailed) => panic!("find failed"),
            _ => {}
        }
    }
    let find_ms = t.elapsed().as_millis();

    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = vm_hwm_mb();
    let out = dir.path().join("report.csv");
    let req = ReportRequest {
        subscriber_id: Some(sub_id),
        ..Default::default()
    };
    let opts = FetchOptions {
        page_size,
        concurrency,
        bom: false,
    };
    let t = Instant::now();
    let info = dx_staging::fetch_report(&client, &req, &out, &opts, |_| {}, &Default::default())
        .await
        .expect("fetch");
    let ms = t.elapsed().as_millis();
    let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    let peak_rss_mb = vm_hwm_mb();

    let pages = info.rows / page_size + 1;
    let page_url = |i: u64| {
        format!(
            "{}/dx/api/dam/v1/staging/mismatches?subscriberId={}&offset={}&limit={page_size}",
            publisher.url(),
            req.subscriber_id.as_deref().unwrap_or_default(),
            i * page_size
        )
    };
    // A fresh login writes the tokens table, which also empties the simulator's page-position
    // cache, so this pass starts as cold as the full fetch did.
    let cookie = admin_cookie(&http, publisher.url()).await;
    let t = Instant::now();
    let mut first_page = Vec::new();
    let mut sim_rows = 0u64;
    let mut fetches = futures::stream::iter(0..pages)
        .map(|i| {
            let r = http
                .get(page_url(i))
                .header("cookie", format!("LtpaToken2={cookie}"))
                .timeout(Duration::from_secs(600))
                .send();
            async move { r.await?.error_for_status()?.bytes().await }
        })
        .buffered(concurrency);
    while let Some(body) = fetches.next().await {
        let body = body.expect("page");
        sim_rows += bytecount_objects(&body);
        if first_page.is_empty() {
            first_page = body.to_vec();
        }
    }
    let sim_only_ms = t.elapsed().as_millis();
    assert_eq!(sim_rows, info.rows, "sim-only fetch saw other rows");

    let t = Instant::now();
    let page_rows = client_only(&first_page, pages, &dir.path().join("client-only.csv"));
    let client_only_ms = t.elapsed().as_millis();
    println!(
        "{}",
        json!({
            "rows": info.rows,
            "ms": ms,
            "rows_per_s": (info.rows as f64 / (ms.max(1) as f64 / 1000.0)).round(),
            "csv_mb": (bytes as f64 / 1048576.0 * 10.0).round() / 10.0,
            "peak_rss_mb": peak_rss_mb,
            "sim_only_ms": sim_only_ms,
            "client_only_ms": client_only_ms,
            "client_only_rows": page_rows * pages,
            "rss_at_fetch_start_mb": rss_before,
            "page_size": page_size,
            "concurrency": concurrency,
            "setup": {"records": seeded["records"], "seed_ms": seed_ms, "find_ms": find_ms},
        })
    );
}
