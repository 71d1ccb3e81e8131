//! Real-window tests of the run wizard, the report viewer and the report library: the built app
//! (debug) under Xvfb through `tauri-driver` + WebKitWebDriver, against a `dam-sim` broken through
//! its `/sim/v1/mutate` interface, with HOME in a temporary folder. `scripts/test.sh` runs them
//! (`--ignored`) inside `dbus-run-session` with gnome-keyring unlocked and Xvfb. The 1,000,000-row
//! test also prints the viewer's end-to-end timings (a measurement, not a timed assertion).

mod fleet;
#[allow(dead_code)]
#[path = "../real_window/harness.rs"]
mod harness;
#[path = "../../examples/support/peak_rss.rs"]
mod peak_rss;
mod screens;
#[path = "../real_window/sim_profiles.rs"]
mod sim_profiles;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dx_staging::{Client as DxClient, Profile};
use fantoccini::{Client, Locator};
use harness::*;
use serde_json::{json, Value};

use dam_staging_console::IDENTIFIER;

/// A minimal HTTP/1.1 POST on loopback (the simulator's test interface); returns status,
/// headers and body.
fn post(url: &str, path: &str, body: &Value, cookie: Option<&str>) -> (u16, String, String) {
    let (host, port) = host_port(url);
    let mut s = std::net::TcpStream::connect((host.as_str(), port)).expect("connect to dam-sim");
    let body = body.to_string();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{cookie}Connection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let (head, rest) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), rest.to_string())
}

/// Logs in to one simulated environment and returns its `LtpaToken2` cookie.
fn login(url: &str, user: &str, password: &str) -> String {
    let (status, head, _) = post(
        url,
        "/dx/api/core/v1/auth/login",
        &json!({"username": user, "password": password}),
        None,
    );
    assert_eq!(status, 200, "login to {url}: {head}");
    head.lines()
        .find_map(|l| {
            let l = l.trim();
            let v = l
                .strip_prefix("set-cookie:")
                .or_else(|| l.strip_prefix("Set-Cookie:"))?;
            Some(v.trim().split(';').next()?.to_string())
        })
        .expect("a LtpaToken2 cookie")
}

/// Saves two linked profiles into the temporary HOME and their password into the keyring, as
/// the Profiles screen would (that screen has its own tests).
fn install_profiles(home: &Home, sim: &Sim) -> Profile {
    sim_profiles::install(
        home.path(),
        &sim.get("/publisher"),
        &sim.get("/subscriber"),
        &sim.get("/username"),
        &sim.get("/password"),
    )
}

/// Waits until the attribute of the element equals `want`.
async fn wait_attr(c: &Client, css: &str, name: &str, want: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            last = e.attr(name).await.ok().flatten().unwrap_or_default();
            if last == want {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let detail = match c.find(Locator::Css("[data-testid=wizard]")).await {
        Ok(w) => w.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    panic!("{css} [{name}] never became {want:?} (last {last:?}); wizard: {detail}");
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn find_browse_export_resync_verify_and_restart() {
    let _one = one_session().await;
    let sim = Sim::start(&["demo", "--assets", "40"]);
    let user = sim.get("/username");
    let password = sim.get("/password");
    let sub_url = sim.get("/subscriber");
    let pub_url = sim.get("/publisher");
    let subscriber_id = sim.get("/subscriberId");
    // Break the subscriber further through the simulator's mutate interface.
    let cookie = login(&sub_url, &user, &password);
    let (status, _, touched) = post(
        &sub_url,
        "/sim/v1/mutate",
        &json!({"recordType": "RENDITION", "op": "delete", "count": 4}),
        Some(&cookie),
    );
    assert_eq!(status, 200, "mutate: {touched}");
    let home = Home::new();
    let publisher = install_profiles(&home, &sim);
    let dx = DxClient::builder(&publisher, password.clone())
        .build()
        .unwrap();
    let driver = Driver::start(&home);
    // Exports go only inside the app's export folder (or to a file chosen in the dialog).
    let export = home
        .path()
        .join("Documents/store/outputFiles/renditions.csv");

    let (dx2, export2, sub2) = (dx.clone(), export.clone(), subscriber_id.clone());
    let axe = screens::axe_source();
    session(&driver, &[], |c| async move {
        let (dx, export, subscriber_id) = (dx2, export2, sub2);
        click(&c, "[data-testid=nav-runs]").await;
        let boxed = wait_css(
            &c,
            &format!("[data-testid=choose-subscriber][data-id='{subscriber_id}']"),
        )
        .await;
        if !boxed.is_selected().await.unwrap_or(false) {
            boxed.click().await.unwrap();
        }
        click(&c, "[data-testid=start-find]").await;
        wait_attr(&c, "[data-testid=step-find]", "data-state", "active", 30).await;
        wait_attr(&c, "[data-testid=step-report]", "data-state", "done", 120).await;
        wait_attr(&c, "[data-testid=step-review]", "data-state", "active", 10).await;
        screenshot(&c, "run-wizard").await;

        // The report as the simulator's publisher holds it.
        let expected = dx
            .mismatches()
            .list(Some(&subscriber_id))
            .all()
            .await
            .expect("mismatch logs");
        assert!(
            expected.len() >= 4,
            "the broken subscriber has {} mismatches",
            expected.len()
        );
        let renditions = expected
            .iter()
            .filter(|r| r.record_type.as_str() == "RENDITION")
            .count();
        assert!(renditions >= 4);

        click(&c, "[data-testid=open-run-report]").await;
        wait_attr(
            &c,
            "[data-testid=row-count]",
            "data-total",
            &expected.len().to_string(),
            30,
        )
        .await;
        wait_css(&c, "[data-testid=grid-row][data-index]").await;
        screenshot(&c, "report-viewer").await;

        // A type filter through the matrix shows the expected count.
        click(&c, "[data-testid='matrix-type-RENDITION']").await;
        wait_attr(
            &c,
            "[data-testid=row-count]",
            "data-total",
            &renditions.to_string(),
            20,
        )
        .await;
        screenshot(&c, "report-matrix").await;

        // Export of the filter writes exactly those rows.
        click(&c, "[data-testid=export]").await;
        fill(&c, "[data-testid=export-path]", export.to_str().unwrap()).await;
        click(&c, "[data-testid=export-go]").await;
        wait_attr(
            &c,
            "[data-testid=export-result]",
            "data-rows",
            &renditions.to_string(),
            20,
        )
        .await;
        let rows = csv_rows(&export);
        assert_eq!(rows.len(), renditions);
        assert!(rows.iter().all(|r| r[1] == "RENDITION"), "{rows:?}");
        let mut want: Vec<String> = expected
            .iter()
            .filter(|r| r.record_type.as_str() == "RENDITION")
            .map(|r| r.record_id.clone())
            .collect();
        let mut got: Vec<String> = rows.iter().map(|r| r[3].clone()).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        click(&c, "[data-testid=clear-filter]").await;
        wait_attr(
            &c,
            "[data-testid=row-count]",
            "data-total",
            &expected.len().to_string(),
            20,
        )
        .await;

        // The row panel and the record on both environments.
        let cell = wait_css(&c, "[data-testid=grid-row][data-index] [role=gridcell]").await;
        cell.click().await.unwrap();
        wait_css(&c, "[data-testid=row-panel] [data-testid=field-recordId]").await;
        click(&c, "[data-testid=compare-record]").await;
        wait_css(&c, "[data-testid=comparison] [data-testid=cmp-field]").await;
        screenshot(&c, "record-comparison").await;

        // Resync → operations → verify reaches "in sync".
        click(&c, "[data-testid=nav-runs]").await;
        click(&c, "[data-testid=resync]").await;
        // The confirmation: the plan in counts (DELETEs first), the checks, in a modal.
        let confirm = wait_text(&c, "[data-testid=resync-dialog]", "DELETE").await;
        assert!(confirm.contains("Two-way"), "{confirm}");
        wait_text(
            &c,
            "[data-testid=resync-dialog]",
            "no FAILED sync operation",
        )
        .await;
        screenshot(&c, "resync-confirm").await;
        let label = wait_css(&c, "[data-testid=resync-dialog-confirm]")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            label.starts_with("Resync ") && label.contains("record"),
            "{label}"
        );
        click(&c, "[data-testid=resync-dialog-confirm]").await;
        wait_attr(&c, "[data-testid=step-resync]", "data-state", "done", 120).await;
        wait_attr(
            &c,
            "[data-testid=step-operations]",
            "data-state",
            "done",
            180,
        )
        .await;
        // Verify deletes the server's logs (archived first): confirmed once, in a modal that
        // fits the three sizes, passes axe and keeps the keyboard inside.
        click(&c, "[data-testid=start-verify]").await;
        wait_text(
            &c,
            "[data-testid=verify]",
            "deletes the server's mismatch logs",
        )
        .await;
        let mut problems = Vec::new();
        let name = "Runs (verify confirmation)";
        screens::check_screen_keeping_size(&c, &axe, name, &mut problems).await;
        let reach = "verify-confirm verify-cancel";
        problems.extend(screens::tab_through_modal(&c, name, "[data-testid=verify]", reach).await);
        click(&c, "[data-testid=verify-confirm]").await;
        wait_attr(&c, "[data-testid=step-verify]", "data-state", "done", 180).await;
        wait_text(&c, "[data-testid=step-verify]", "In sync").await;
        screenshot(&c, "run-verified").await;

        // The library: the find's report and the archived one; compare them.
        click(&c, "[data-testid=nav-reports]").await;
        click(&c, "[data-testid=viewer-back]").await;
        wait_css(&c, "[data-testid=library-row]").await;
        let rows = c
            .find_all(Locator::Css("[data-testid=library-row]"))
            .await
            .unwrap();
        assert!(rows.len() >= 2, "the library lists {} reports", rows.len());
        screenshot(&c, "report-library").await;
        let picks = c
            .find_all(Locator::Css("[data-testid=pick]"))
            .await
            .unwrap();
        picks[0].click().await.unwrap();
        picks[1].click().await.unwrap();
        click(&c, "[data-testid=compare-two]").await;
        wait_css(&c, "[data-testid=side-onlyA]").await;
        screenshot(&c, "report-compare").await;
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    })
    .await;

    // A run survives an app restart mid-watch.
    let pub_cookie = login(&pub_url, &user, &password);
    let (status, _, body) = post(
        &pub_url,
        "/sim/v1/faults",
        &json!({"stallNextFind": true}),
        Some(&pub_cookie),
    );
    assert_eq!(status, 200, "faults: {body}");
    let sub3 = subscriber_id.clone();
    session(&driver, &[], |c| async move {
        click(&c, "[data-testid=nav-runs]").await;
        let boxed = wait_css(
            &c,
            &format!("[data-testid=choose-subscriber][data-id='{sub3}']"),
        )
        .await;
        if !boxed.is_selected().await.unwrap_or(false) {
            boxed.click().await.unwrap();
        }
        click(&c, "[data-testid=start-find]").await;
        wait_attr(&c, "[data-testid=step-find]", "data-state", "active", 30).await;
        wait_text(&c, "[data-testid=step-find]", "FIND_MISMATCH_START").await;
    })
    .await;
    session(&driver, &[], |c| async move {
        wait_text(&c, "[data-testid=run-status]", "FIND_MISMATCH_START").await;
        click(&c, "[data-testid=nav-runs]").await;
        wait_attr(&c, "[data-testid=step-find]", "data-state", "active", 30).await;
        wait_css(&c, "[data-testid=stop-watching]").await;
        wait_css(&c, "[data-testid=elapsed]").await;
        click(&c, "[data-testid=stop-watching]").await;
        wait_css(&c, "[data-testid=resume]").await;
        let detail = wait_text(&c, "[data-testid=step-find]", "goes on").await;
        assert!(detail.contains("FIND_MISMATCH_START"), "{detail}");
    })
    .await;
}

/// The demo publisher's report library in the temporary HOME, created.
fn demo_library(home: &Home) -> PathBuf {
    let lib = home
        .path()
        .join(".local/share")
        .join(IDENTIFIER)
        .join("reports/demo-publisher");
    std::fs::create_dir_all(&lib).unwrap();
    lib
}

/// The report generator, built (optimised: see `[profile.dev.package.mismatch-report]`) by the
/// same `cargo test --workspace` that builds this suite.
fn generator() -> PathBuf {
    let bin = profile_dir().join("examples/gen");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace --no-run` (scripts/test.sh does)",
        bin.display()
    );
    bin
}

/// Generates a report of `rows` rows into the demo publisher's library of `home`.
fn generate_report(home: &Home, rows: u64, name: &str) {
    let file = demo_library(home).join(name);
    let ok = std::process::Command::new(generator())
        .args(["--rows", &rows.to_string(), "--seed", "1", "--out"])
        .arg(&file)
        .status()
        .expect("run the generator");
    assert!(ok.success());
}

/// Opens the library's only report (of `rows` rows), then scrolls to its end with the keyboard;
/// returns the open time the grid measured.
async fn open_and_scroll_to_the_end(c: &Client, rows: u64) -> f64 {
    click(c, "[data-testid=nav-reports]").await;
    click(c, "[data-testid=library-row] [data-testid=open-report]").await;
    wait_attr(
        c,
        "[data-testid=row-count]",
        "data-total",
        &rows.to_string(),
        120,
    )
    .await;
    wait_css(c, "[data-testid=grid-row][data-index]").await;
    let open_ms = perf(c, "openMs").await;

    // The grid focused as Tab would (a click would open the row panel, a different test).
    let scroller = wait_css(c, "[data-testid=grid-scroller]").await;
    c.execute(
        "document.querySelector('[data-testid=grid-scroller]').focus()",
        vec![],
    )
    .await
    .unwrap();
    scroller.send_keys("\u{E010}").await.unwrap(); // End
    let last = format!(
        "[data-testid=grid-row][data-pos='{}'][data-index]",
        rows - 1
    );
    wait_css(c, &last).await;
    open_ms
}

/// The IPC floor: 40 windows of 100 rows of the open report asked one after the other straight
/// through `report_window`, with nothing else going on in the page (no scroll, no drawing).
/// What the grid's own window round trip adds to this is the page's work (layout, drawing).
async fn ipc_round_trips(c: &Client) -> Vec<f64> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const handle = document.querySelector('[data-testid=viewer]').dataset.handle;
        const invoke = window.__TAURI_INTERNALS__.invoke;
        const filter = { types: [], actions: [], subscribers: [], text: "" };
        (async () => {
            const times = [];
            for (let i = 0; i < 40; i++) {
                const offset = (i * 791900) % 999000;
                const t = performance.now();
                await invoke('report_window', { handle, request: { filter, sort: null, offset, limit: 100 } });
                times.push(performance.now() - t);
            }
            return times;
        })().then(done, () => done([]));
    "#;
    let v = c
        .execute_async(script, vec![])
        .await
        .expect("time report_window alone");
    serde_json::from_value(v).unwrap_or_default()
}

/// Scrolls the grid back to its first row.
async fn scroll_to_the_top(c: &Client) {
    c.execute(
        "document.querySelector('[data-testid=grid-scroller]').scrollTop = 0",
        vec![],
    )
    .await
    .unwrap();
}

/// Keypresses in the search box, each timed from the keypress to the updated grid.
async fn filter_keypresses(c: &Client, keys: &[&str]) -> Vec<f64> {
    let mut filter = Vec::new();
    let search = wait_css(c, "[data-testid=search]").await;
    for key in keys {
        search.send_keys(key).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        filter.push(perf(c, "filterMs").await);
    }
    filter
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn a_million_rows_open_filter_and_scroll_to_the_end() {
    let _one = one_session().await;
    let home = Home::new();
    generate_report(&home, 1_000_000, "generated-1m.csv");
    let driver = Driver::start(&home);
    // The README's picture of a million rows. WebDriver's screenshot needs WebKit's default
    // renderer, so this session is not the one measured.
    session(&driver, &["--demo"], |c| async move {
        open_and_scroll_to_the_end(&c, 1_000_000).await;
        scroll_to_the_top(&c).await;
        screenshot(&c, "report-viewer-1m").await;
    })
    .await;
    drop(driver);
    // The figures: the app exactly as it ships (on a machine without a GPU it skips WebKit's
    // DMA-BUF renderer for a faster first paint, at some cost to scrolling; src-tauri/webview_env.rs).
    let driver = Driver::start_as_shipped(&home);
    session(&driver, &["--demo"], |c| async move {
        let open_ms = open_and_scroll_to_the_end(&c, 1_000_000).await;
        scroll_to_the_top(&c).await;

        // Scroll window requests: jump to places that are not loaded yet, and scroll on from
        // each (the pages ahead are fetched while the rows on screen are read).
        let mut scroll = Vec::new();
        // 30 jumps, so that the p95 is not simply the slowest one.
        for frac in (0..30).map(|k| f64::from((k * 37 + 11) % 97) / 97.0) {
            // Scrolled from a timer, after WebDriver's own answer has left the page: a user's
            // scroll does not share the webview's threads with an automation round trip.
            let script = format!("setTimeout(() => {{ const s = document.querySelector('[data-testid=grid-scroller]'); s.scrollTop = (s.scrollHeight - s.clientHeight) * {frac}; s.dispatchEvent(new Event('scroll')); }}, 50);");
            c.execute(&script, vec![]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(650)).await;
            scroll.push(perf(&c, "scrollMs").await);
            for _ in 0..10 {
                c.execute("const s = document.querySelector('[data-testid=grid-scroller]'); s.scrollTop += 1300; s.dispatchEvent(new Event('scroll'));", vec![])
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let ipc = ipc_round_trips(&c).await;
        let filter = filter_keypresses(&c, &["a", "b", "\u{E003}", "\u{E003}", "e", "f"]).await;
        let list = |name: &'static str| {
            let c = c.clone();
            async move {
                c.execute(&format!("return window.__dscPerf.{name} || []"), vec![])
                    .await
                    .ok()
                    .and_then(|v| serde_json::from_value::<Vec<f64>>(v).ok())
                    .unwrap_or_default()
            }
        };
        let windows = list("windowMs").await;
        let query_windows = list("queryWindowMs").await;
        let answers = list("windowAnswerMs").await;
        let figures = json!({
            "rows": 1_000_000,
            "openToFirstRowsMs": open_ms,
            "filterKeypressToGridMs": filter,
            "scrollToRowsMs": scroll,
            "windowRequestRoundTripMs": windows,
            "queryWindowRoundTripMs": query_windows,
            "windowAnswerMs": answers,
            "ipcRoundTripMs": ipc,
            "appPeakRssMb": app_peak_rss_mb(),
        });
        println!("VIEWER_BENCH {figures}");
        std::fs::write(root().join("target/viewer-bench.json"), figures.to_string()).ok();
    })
    .await;
}

/// Five million rows (a 1.3 GB file): opens, scrolls to the end, filters. The debug build's
/// report engine is optimised (`[profile.dev.package.mismatch-report]`), so this runs in the
/// ordinary test build too.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn five_million_rows_open_filter_and_scroll_to_the_end() {
    let _one = one_session().await;
    let home = Home::new();
    generate_report(&home, 5_000_000, "generated-5m.csv");
    let driver = Driver::start(&home);
    session(&driver, &["--demo"], |c| async move {
        let open_ms = open_and_scroll_to_the_end(&c, 5_000_000).await;
        screenshot_tmp(&c, "report-viewer-5m").await;
        let filter = filter_keypresses(&c, &["j", "p", "g"]).await;
        let shown: u64 = c
            .find(Locator::Css("[data-testid=row-count]"))
            .await
            .unwrap()
            .attr("data-total")
            .await
            .unwrap()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        assert!(
            shown > 0 && shown < 5_000_000,
            "the filter keeps some rows: {shown}"
        );
        let figures = json!({
            "rows": 5_000_000,
            "openToFirstRowsMs": open_ms,
            "filterKeypressToGridMs": filter,
            "appPeakRssMb": app_peak_rss_mb(),
        });
        println!("VIEWER_BENCH_5M {figures}");
        std::fs::write(
            root().join("target/viewer-bench-5m.json"),
            figures.to_string(),
        )
        .ok();
    })
    .await;
}

/// The peak resident memory of the app under test (`VmHWM` of the one `dam-staging-console`
/// process running: the tests take turns), in MB.
fn app_peak_rss_mb() -> Option<f64> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let dir = e.path();
        let exe = std::fs::read_link(dir.join("exe")).ok()?;
        if exe.file_name()? != "dam-staging-console" {
            return None;
        }
        peak_rss::peak_rss_mb(&dir)
    })
}

async fn perf(c: &Client, name: &str) -> f64 {
    c.execute(
        &format!("return window.__dscPerf && window.__dscPerf.{name}"),
        vec![],
    )
    .await
    .ok()
    .and_then(|v| v.as_f64())
    .unwrap_or(f64::NAN)
}

/// A screenshot written under `/tmp` (a check to look at, not a picture for the README).
async fn screenshot_tmp(c: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = c.screenshot().await.expect("screenshot");
    let path = std::env::temp_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// Elements of the viewer wider inside than out (`scrollWidth > clientWidth`), outside the grid's
/// own scroller (the one element allowed to scroll sideways); cells cut on purpose with an
/// ellipsis (their full text in a tooltip) do not count. Also the page and the viewer's ancestors.
async fn sideways_overflow(c: &Client) -> Vec<String> {
    let script = r#"
        const scroller = document.querySelector('[data-testid=grid-scroller]');
        const viewer = document.querySelector('[data-testid=viewer]');
        const bad = [];
        const describe = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}[${el.dataset.testid || ''}] ${el.scrollWidth}>${el.clientWidth}`;
        const check = (el) => { if (el.scrollWidth > el.clientWidth + 1) bad.push(describe(el)); };
        for (let el = viewer; el; el = el.parentElement) check(el);
        for (const el of viewer.querySelectorAll('*')) {
            if (scroller && scroller.contains(el)) continue;
            const cs = getComputedStyle(el);
            if (cs.display === 'inline' || cs.display === 'contents' || cs.display === 'none') continue;
            if (cs.textOverflow === 'ellipsis' && cs.overflowX === 'hidden') continue;
            check(el);
        }
        return bad;"#;
    eval(c, script, vec![]).await
}

/// A CSV field, quoted when it holds a comma or a quote.
fn csv_quote(v: &str) -> String {
    if v.contains([',', '"']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// A small report with ids that share their first 24 characters, a name needing CSV quotes and a
/// collection name column.
fn write_id_report(path: &Path) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for i in 0..300u32 {
        let name = if i == 1 {
            "banner, \"big\".jpg".to_string()
        } else {
            format!("file-{i}.jpg")
        };
        rows.push(vec![
            "11111111-2222-3333-4444-555555555555".to_string(),
            ["MEDIA_ITEM", "RENDITION", "COLLECTION"][i as usize % 3].to_string(),
            ["CREATE", "UPDATE", "DELETE"][i as usize % 3].to_string(),
            format!("00000000-0000-0000-0000-{i:012}"),
            format!("00000000-0000-0000-0000-c{:011}", i % 4),
            name,
            format!("{:032x}", u128::from(i) * 7919),
            format!("{:032x}", u128::from(i) * 104_729),
            format!("2025-05-01T10:{:02}:{:02}.000Z", i / 60, i % 60),
            format!("00000000-0000-0000-0000-9{i:011}"),
            format!("Campaigns {}", i % 4),
        ]);
    }
    let mut text = String::from("subscriberId,recordType,recordAction,recordId,collectionId,name,publisherHash,subscriberHash,created,logId,collectionName\n");
    for r in &rows {
        text += &r.iter().map(|v| csv_quote(v)).collect::<Vec<_>>().join(",");
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
    rows
}

/// The value a script returns.
async fn eval<T: serde::de::DeserializeOwned>(c: &Client, script: &str, args: Vec<Value>) -> T {
    let v = c.execute(script, args).await.expect("script");
    serde_json::from_value(v).expect("the script's value")
}

/// The text content of the elements matching `css`.
async fn texts(c: &Client, css: &str) -> Vec<String> {
    let js = "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())";
    eval(c, js, vec![json!(css)]).await
}

/// The shown columns' keys, in order.
async fn header_keys(c: &Client) -> Vec<String> {
    let js = "return [...document.querySelectorAll('[role=columnheader]')].map(h => h.dataset.key)";
    eval(c, js, vec![]).await
}

/// The left edge and width of the header of column `key`.
async fn header_box(c: &Client, key: &str) -> Vec<f64> {
    let js = "const r = document.querySelector(`[role=columnheader][data-key='${arguments[0]}']`).getBoundingClientRect(); return [r.left, r.width];";
    eval(c, js, vec![json!(key)]).await
}

/// A mouse drag from the middle of `from` to `dx` pixels right of the middle of `to`.
async fn drag_to(
    c: &Client,
    from: &fantoccini::elements::Element,
    to: &fantoccini::elements::Element,
    dx: f64,
) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let step = Some(Duration::from_millis(100));
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: from.clone(),
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveBy {
            duration: step,
            x: 10.0,
            y: 0.0,
        })
        .then(PointerAction::MoveToElement {
            element: to.clone(),
            duration: step,
            x: dx,
            y: 0.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    c.perform_actions(mouse).await.expect("drag");
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Waits until no element matches `css`.
async fn wait_gone(c: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(css)).await.is_ok() {
        assert!(Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The clipboard's text: through the page's Clipboard API, or else pasted (Ctrl+V) into a
/// temporary text area, the way a user would read it.
async fn clipboard_text(c: &Client) -> String {
    let read = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, () => done(null));",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_string));
    if let Some(text) = read.filter(|t| !t.is_empty()) {
        eprintln!("clipboard read through navigator.clipboard.readText");
        return text;
    }
    c.execute(
        "const t = document.createElement('textarea'); t.dataset.testid = 'paste-here'; document.body.append(t); t.focus();",
        vec![],
    )
    .await
    .unwrap();
    let area = wait_css(c, "[data-testid=paste-here]").await;
    area.send_keys("\u{E009}v\u{E000}").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let v = c
        .execute(
            "const t = document.querySelector('[data-testid=paste-here]'); const v = t.value; t.remove(); return v;",
            vec![],
        )
        .await
        .unwrap();
    eprintln!("clipboard read by pasting into a text area");
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn viewer_columns_view_memory_selection_copy_and_no_sideways_overflow() {
    let _one = one_session().await;
    let home = Home::new();
    let lib = demo_library(&home);
    let rows = write_id_report(&lib.join("ids-sharing-a-prefix.csv"));
    let driver = Driver::start(&home);
    session(&driver, &["--demo"], |c| async move {
        c.set_window_size(1024, 768).await.unwrap();
        let inner = c
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .unwrap();
        eprintln!("inner size at 1024×768: {inner}");
        let open = |c: Client| async move {
            click(&c, "[data-testid=nav-reports]").await;
            click(&c, "[data-testid=library-row] [data-testid=open-report]").await;
            wait_attr(&c, "[data-testid=row-count]", "data-total", "300", 30).await;
            wait_css(&c, "[data-testid=grid-row][data-index]").await;
        };
        open(c.clone()).await;
        let count = wait_text(&c, "[data-testid=row-count]", "300").await;
        assert_eq!(count, "300 of 300 rows");

        // Ids sharing a prefix read apart; the collection shows its name.
        let ids = texts(&c, "[data-testid=grid-row] [data-key=recordId]").await;
        assert!(ids.len() >= 2 && ids[0] != ids[1], "{ids:?}");
        assert!(ids[0].contains('…') && ids[0].ends_with("000000"), "{ids:?}");
        let coll = texts(&c, "[data-testid=grid-row] [data-key=collectionId]").await;
        assert_eq!(coll[0], "Campaigns 0", "{coll:?}");

        // The column picker lists every column; a hidden column stays hidden after reopening.
        click(&c, "[data-testid=columns-button]").await;
        for key in ["publisherHash", "subscriberHash", "logId", "extra:0"] {
            wait_css(&c, &format!("[data-testid='column-toggle-{key}']")).await;
        }
        click(&c, "[data-testid='column-toggle-name']").await;
        click(&c, "[data-testid='column-toggle-logId']").await;
        wait_gone(&c, "[data-testid='sort-name']").await;
        wait_css(&c, "[data-testid='sort-logId']").await;
        click(&c, "[data-testid='sort-created']").await;
        wait_css(&c, "[data-testid=grid-row][data-index]").await;
        // Alt+Left on a focused header moves it.
        let logid = wait_css(&c, "[data-testid='sort-logId']").await;
        logid.send_keys("\u{E00A}\u{E012}\u{E000}").await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let order = header_keys(&c).await;
        let n = order.len();
        assert_eq!(&order[n - 2..], ["logId", "created"], "{order:?}");
        // The grid's scroller scrolls sideways when the columns are wider than the panel.
        click(&c, "[data-testid=columns-button]").await;
        for key in ["publisherHash", "subscriberHash", "extra:0"] {
            click(&c, &format!("[data-testid='column-toggle-{key}']")).await;
        }
        c.execute("document.querySelector('[data-testid=grid-scroller]').focus()", vec![]).await.unwrap();
        let js = "const s = document.querySelector('[data-testid=grid-scroller]'); return [s.scrollWidth, s.clientWidth];";
        let wide: Vec<i64> = eval(&c, js, vec![]).await;
        assert!(wide[0] > wide[1], "the grid should scroll sideways: {wide:?}");
        // The open menu lies inside the window; closed, nothing overflows.
        let js = "const r = document.querySelector('[data-testid=column-picker]').getBoundingClientRect(); return [r.left, r.right, window.innerWidth];";
        let menu: Vec<f64> = eval(&c, js, vec![]).await;
        assert!(menu[0] >= 0.0 && menu[1] <= menu[2], "the column menu is cut: {menu:?}");
        screenshot_tmp(&c, "grid-1024-columns").await;
        click(&c, "[data-testid=columns-button]").await;
        wait_gone(&c, "[data-testid=column-picker]").await;
        let bad = sideways_overflow(&c).await;
        assert!(bad.is_empty(), "sideways overflow at 1024×768: {bad:?}");

        click(&c, "[data-testid=viewer-back]").await;
        open(c.clone()).await;
        wait_css(&c, "[data-testid='sort-logId']").await;
        assert!(c.find(Locator::Css("[data-testid='sort-name']")).await.is_err(), "name came back");
        let sorted = wait_css(&c, "[role=columnheader][data-key=created]").await;
        assert_eq!(sorted.attr("aria-sort").await.unwrap().as_deref(), Some("ascending"));

        // Reset view: the default columns, file order.
        click(&c, "[data-testid=columns-button]").await;
        click(&c, "[data-testid=reset-view]").await;
        wait_css(&c, "[data-testid='sort-name']").await;
        wait_gone(&c, "[data-testid='sort-logId']").await;

        // A header's edge dragged widens its column; a header dragged onto another's left half
        // moves before it, without sorting.
        c.execute(
            "document.querySelector('[data-testid=grid-scroller]').scrollLeft = 0",
            vec![],
        )
        .await
        .unwrap();
        let before = header_box(&c, "recordId").await[1];
        let edge = wait_css(&c, "[data-testid='resize-recordId']").await;
        drag_to(&c, &edge, &edge, 80.0).await;
        let after = header_box(&c, "recordId").await[1];
        assert!(after > before + 40.0, "recordId was {before} px wide, now {after} px");
        let action = wait_css(&c, "[data-testid='sort-recordAction']").await;
        let onto = wait_css(&c, "[data-testid='sort-recordType']").await;
        let w = header_box(&c, "recordType").await[1];
        drag_to(&c, &action, &onto, -w / 2.0 + 6.0).await;
        let order = header_keys(&c).await;
        assert_eq!(&order[..2], ["recordAction", "recordType"], "{order:?}");
        let sorted = wait_css(&c, "[role=columnheader][data-key=recordAction]").await;
        assert_eq!(sorted.attr("aria-sort").await.unwrap().as_deref(), Some("none"));
        click(&c, "[data-testid=columns-button]").await;
        click(&c, "[data-testid=reset-view]").await;
        let order = header_keys(&c).await;
        assert_eq!(&order[..2], ["recordType", "recordAction"], "{order:?}");

        // Rows 1-3 by click and Shift+Down, row 5 by Ctrl+click: Copy as CSV.
        click(&c, "[data-testid=grid-row][data-pos='1'] [data-key=name]").await;
        wait_css(&c, "[data-testid=row-panel] [data-testid=field-recordId]").await;
        let bad = sideways_overflow(&c).await;
        assert!(bad.is_empty(), "sideways overflow with the row panel at 1024×768: {bad:?}");
        screenshot_tmp(&c, "grid-1024-row-panel").await;
        let scroller = wait_css(&c, "[data-testid=grid-scroller]").await;
        scroller.send_keys("\u{E008}\u{E015}\u{E015}\u{E000}").await.unwrap();
        c.execute(
            "document.querySelector(\"[data-testid=grid-row][data-pos='5'] [data-key=name]\").dispatchEvent(new MouseEvent('click', {bubbles: true, ctrlKey: true}));",
            vec![],
        )
        .await
        .unwrap();
        wait_attr(&c, "[data-testid=selected-count]", "data-count", "4", 10).await;
        click(&c, "[data-testid=copy-csv]").await;
        wait_attr(&c, "[data-testid=copy-note]", "data-rows", "4", 20).await;
        screenshot_tmp(&c, "grid-1024-selection").await;
        let got = clipboard_text(&c).await.replace("\r\n", "\n");
        let mut want = String::from("Type,Action,Record,Name,Collection,Subscriber,Created\n");
        for i in [1usize, 2, 3, 5] {
            let r = &rows[i];
            let cells = [&r[1], &r[2], &r[3], &r[5], &r[4], &r[0], &r[8]];
            want += &cells.iter().map(|v| csv_quote(v)).collect::<Vec<_>>().join(",");
            want.push('\n');
        }
        assert_eq!(got, want);

        // Ctrl+A then Ctrl+C: the whole filter, fetched beyond the rows on screen.
        scroller.send_keys("\u{E009}a\u{E000}").await.unwrap();
        wait_attr(&c, "[data-testid=selected-count]", "data-count", "300", 10).await;
        scroller.send_keys("\u{E009}c\u{E000}").await.unwrap();
        wait_attr(&c, "[data-testid=copy-note]", "data-rows", "300", 20).await;
        let all = clipboard_text(&c).await;
        assert_eq!(all.lines().count(), 301, "{all}");

        c.set_window_size(1920, 1080).await.unwrap();
        let bad = sideways_overflow(&c).await;
        assert!(bad.is_empty(), "sideways overflow at 1920×1080: {bad:?}");
        screenshot_tmp(&c, "grid-1920").await;
    })
    .await;
}
