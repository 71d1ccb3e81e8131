//! Benchmark: seed 100k media items (~1M records) on a publisher and a subscriber, drift the
//! subscriber by ~1 % of its records, and time a find. Prints one JSON object.
//!
//! `cargo run --release -p dam-sim --example sim_bench [-- MEDIA_ITEMS]`

use std::time::{Duration, Instant};

use dam_sim::{EnvConfig, Role};
use serde_json::{json, Value};

struct Client {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Client {
    async fn login(base: &str) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()
            .map_err(|e| e.to_string())?;
        let resp = http
            .post(format!("{base}/dx/api/core/v1/auth/login"))
            .json(&json!({"username": dam_sim::DEFAULT_USERNAME, "password": dam_sim::DEFAULT_PASSWORD}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let cookie = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .ok_or("login set no cookie")?
            .to_string();
        Ok(Client {
            http,
            base: base.to_string(),
            cookie,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("cookie", &self.cookie);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!(
                "{method} {path}: {status} {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    }
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

async fn run(media_items: u64) -> Result<Value, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let publisher = dam_sim::start(EnvConfig::new(Role::Publisher, dir.path().join("pub.db")))
        .await
        .map_err(|e| e.to_string())?;
    let subscriber = dam_sim::start(EnvConfig::new(Role::Subscriber, dir.path().join("sub.db")))
        .await
        .map_err(|e| e.to_string())?;
    let p = Client::login(publisher.url()).await?;
    let s = Client::login(subscriber.url()).await?;
    let per = 100u64;
    let collections = media_items.div_ceil(per);
    let seed = json!({"collections": collections, "itemsPerCollection": per});
    let post = reqwest::Method::POST;

    let t = Instant::now();
    let seeded = p
        .call(post.clone(), "/sim/v1/seed", Some(seed.clone()))
        .await?;
    let seed_publisher = t.elapsed().as_secs_f64();
    let t = Instant::now();
    s.call(post.clone(), "/sim/v1/seed", Some(seed)).await?;
    let seed_subscriber = t.elapsed().as_secs_f64();
    let records = seeded["records"].as_u64().unwrap_or(0);

    // ~1 % drift, spread over the id space and over types.
    let n = media_items / 100;
    let mut touched = 0usize;
    for (t, op, count) in [
        ("MEDIA_ITEM", "delete", n / 4),
        ("RENDITION", "alter", n * 4),
        ("MEDIA_ITEM", "alter", n),
        ("VERSION", "alter", n),
        ("KEYWORD", "add", n),
        ("COLLECTION", "alter", (collections / 100).max(1)),
    ] {
        let v = s
            .call(
                post.clone(),
                "/sim/v1/mutate",
                Some(json!({"recordType": t, "op": op, "count": count})),
            )
            .await?;
        touched += v.as_array().map_or(0, Vec::len);
    }
    let sub = p
        .call(
            post.clone(),
            "/dx/api/dam/v1/staging/subscriber",
            Some(json!({"targetHost": format!("127.0.0.1:{}", subscriber.port())})),
        )
        .await?;
    let id = sub["id"].as_str().ok_or("no subscriber id")?.to_string();
    let path = format!("/dx/api/dam/v1/staging/subscriber/{id}");
    let t = Instant::now();
    p.call(
        reqwest::Method::PATCH,
        &path,
        Some(json!({"resyncStatus": "FIND_MISMATCH_START"})),
    )
    .await?;
    let status = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let v = p.call(reqwest::Method::GET, &path, None).await?;
        let st = v["resyncStatus"].as_str().unwrap_or_default().to_string();
        if st != "FIND_MISMATCH_START" {
            break st;
        }
    };
    let find = t.elapsed().as_secs_f64();
    let stats = p.call(reqwest::Method::GET, "/sim/v1/stats", None).await?;
    let logs = stats["mismatchLogs"].as_u64().unwrap_or(0);
    let db_mib = |name: &str| {
        let mut size = 0u64;
        for suffix in ["", "-wal"] {
            size += std::fs::metadata(dir.path().join(format!("{name}{suffix}")))
                .map_or(0, |m| m.len());
        }
        (size as f64 / 1048576.0).round()
    };
    let out = json!({
        "mediaItems": media_items,
        "recordsPerEnvironment": records,
        "seedPublisherSecs": (seed_publisher * 100.0).round() / 100.0,
        "seedSubscriberSecs": (seed_subscriber * 100.0).round() / 100.0,
        "driftRecords": touched,
        "driftPercent": (touched as f64 * 10000.0 / records.max(1) as f64).round() / 100.0,
        "maxRecordsToCompare": 1000,
        "findSecs": (find * 100.0).round() / 100.0,
        "findStatus": status,
        "mismatchLogs": logs,
        "logsMatchDrift": logs == touched as u64,
        "peakRssMiB": peak_rss_mib(),
        "publisherDbMiB": db_mib("pub.db"),
    });
    publisher.shutdown().await;
    subscriber.shutdown().await;
    Ok(out)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let media_items = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000u64);
    match run(media_items).await {
        Ok(v) => {
            println!("{v}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
