//! The fleet overview, a subscriber's drift over time, checks on a schedule, the audit journal
//! and the Excel export, in the real window (demo mode: its publisher and drifted subscriber).
//! The scheduler looks every 2 s here (`DSC_SCHEDULER_TICK_SECS`) and the schedule is every
//! minute, so its first check comes within a minute.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

use super::{eval, screens, wait_attr};
use crate::harness::*;

/// The attribute `name` of the first element matching `css` (empty when absent).
async fn attr(c: &Client, css: &str, name: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.attr(name).await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until the attribute `name` of `css` differs from `before`; returns the new value.
async fn wait_attr_change(c: &Client, css: &str, name: &str, before: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let now = attr(c, css, name).await;
        if !now.is_empty() && now != before {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "{css} kept {name}={before:?} for {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The files in `dir` whose names end with `suffix`.
fn files_ending(dir: &PathBuf, suffix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(suffix))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn fleet_drift_schedule_journal_and_excel_export() {
    let _one = one_session().await;
    let home = Home::new();
    let exports = home.path().join("Documents/store/outputFiles");
    let data_dir = &home.path().join(".local/share").join(crate::IDENTIFIER);
    let env = &home.env();
    let driver = Driver::start_with_env(&home, &[("DSC_SCHEDULER_TICK_SECS", "2")]);
    let axe = &screens::axe_source();
    let found = &std::sync::Mutex::new(Vec::new());
    let exports = &exports;
    session(&driver, &["--demo"], |c| async move {
        let mut problems = Vec::new();
        screens::resize(&c, 1280, 800).await;

        // The fleet: the demo publisher's subscriber, never checked.
        click(&c, "[data-testid=nav-fleet]").await;
        wait_attr(&c, "[data-testid=fleet-row]", "data-state", "unknown", 60).await;
        wait_text(&c, "[data-testid=fleet-reason]", "No find yet").await;
        // "Check stale" queues a find; when it ends the row says what it found.
        click(&c, "[data-testid=check-stale]").await;
        wait_text(&c, "[data-testid=fleet-queued]", "1 find queued on 1 publisher").await;
        wait_attr(&c, "[data-testid=fleet-row]", "data-state", "drifted", 180).await;
        wait_text(&c, "[data-testid=fleet-reason]", "mismatches found").await;
        let first = attr(&c, "[data-testid=fleet-row]", "data-last-find").await;

        // A second find on the selected subscriber: two reports, one step of drift.
        click(&c, "[data-testid=fleet-pick]").await;
        click(&c, "[data-testid=check-selected]").await;
        wait_attr_change(&c, "[data-testid=fleet-row]", "data-last-find", &first, 180).await;
        click(&c, "[data-testid=fleet-drift]").await;
        wait_css(&c, "[data-testid=drift-chart][data-points='2']").await;
        let series = attr(&c, "[data-testid=drift-chart]", "data-series").await;
        assert!(!series.is_empty(), "the chart has series");
        wait_css(&c, "[data-testid=drift-pair]").await;
        // The chart drew on its canvas.
        let painted: bool = eval(
            &c,
            "const cv = document.querySelector('[data-testid=drift-chart] canvas'); \
             return !!cv && cv.width > 0 && cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data.some((v, i) => i % 4 === 3 && v > 0);",
            vec![],
        )
        .await;
        assert!(painted, "the drift chart painted nothing");
        click(&c, "[data-testid=stack-type]").await;
        wait_attr_change(&c, "[data-testid=drift-chart]", "data-series", &series, 10).await;
        screens::check_screen(&c, axe, "Fleet with a drift chart", &mut problems).await;
        screens::screenshots_at_sizes(&c, "fleet").await;
        screens::resize(&c, 1280, 800).await;
        screenshot(&c, "fleet").await;

        // From one find to the next: the records still there open in the viewer as a report.
        click(&c, "[data-testid=drift-still]").await;
        wait_css(&c, "[role=tablist][aria-label=Comparison]").await;
        wait_css(&c, "[data-testid=grid-row][data-index]").await;

        // A schedule: every minute on the demo publisher.
        click(&c, "[data-testid=nav-fleet]").await;
        click(&c, "[data-testid=schedule-edit]").await;
        click(&c, "[data-testid=schedule-every]").await;
        fill(&c, "[data-testid=schedule-minutes]", "0").await;
        click(&c, "[data-testid=schedule-save]").await;
        wait_text(&c, "[data-testid=schedule-problem]", "1 minute").await;
        fill(&c, "[data-testid=schedule-minutes]", "1").await;
        click(&c, "[data-testid=schedule-save]").await;
        wait_css(&c, "[data-testid=schedule-state][data-scheduled=yes]").await;
        wait_text(&c, "[data-testid=schedule-state]", "Every minute").await;

        // The journal: the finds DX accepted, the schedule change, and the scheduled check
        // (within the minute) with its find.
        click(&c, "[data-testid=nav-journal]").await;
        wait_css(&c, "[data-testid=journal-row][data-action=find_triggered][data-outcome=accepted]").await;
        wait_css(&c, "[data-testid=journal-row][data-action=profile_changed]").await;
        wait_css_within(
            &c,
            "[data-testid=journal-row][data-action=schedule_run][data-outcome=accepted]",
            Duration::from_secs(120),
        )
        .await;
        // With a schedule set, closing the window keeps the app running, hidden, and says so
        // once (remembered in schedules.json); starting the app again brings the window back.
        let running = app_pids();
        assert_eq!(running.len(), 1, "one copy of the app: {running:?}");
        c.execute(
            "window.__TAURI_INTERNALS__.invoke('plugin:window|close', { label: 'main' })",
            vec![],
        )
        .await
        .ok();
        let schedules = data_dir.join("schedules.json");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !std::fs::read_to_string(&schedules)
            .unwrap_or_default()
            .contains("\"trayNoticeShown\": true")
        {
            assert!(Instant::now() < deadline, "closing the window did not tell the user");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(app_pids(), running, "the app still runs with its window closed");
        let mut again = std::process::Command::new(app_binary())
            .envs(env.iter().cloned())
            .spawn()
            .expect("start the app again");
        let deadline = Instant::now() + Duration::from_secs(30);
        while again.try_wait().ok().flatten().is_none() {
            assert!(Instant::now() < deadline, "a second copy of the app did not hand over");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(app_pids(), running, "the second copy handed over and left");
        // The window answers again (a WebDriver screenshot needs it shown).
        screenshot_at(&c, &std::env::temp_dir().join("fleet-after-tray.png")).await;

        // Its find, triggered by the schedule.
        click(&c, "[data-testid=journal-action-find_triggered]").await;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let n: usize = eval(
                &c,
                "return document.querySelectorAll('[data-testid=journal-row][data-action=find_triggered]').length",
                vec![],
            )
            .await;
            if n >= 3 {
                break;
            }
            assert!(Instant::now() < deadline, "the scheduled find never triggered ({n} finds)");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        click(&c, "[data-testid=journal-action-find_triggered]").await;
        // The schedule off again.
        click(&c, "[data-testid=nav-fleet]").await;
        click(&c, "[data-testid=schedule-edit]").await;
        click(&c, "[data-testid=schedule-off]").await;
        click(&c, "[data-testid=schedule-save]").await;
        wait_css(&c, "[data-testid=schedule-state][data-scheduled=no]").await;

        // Filter the journal by action, then export what it shows as CSV.
        click(&c, "[data-testid=nav-journal]").await;
        click(&c, "[data-testid=journal-action-find_triggered]").await;
        wait_css(&c, "[data-testid=journal-row]").await;
        let actions: Vec<String> = eval(
            &c,
            "return [...document.querySelectorAll('[data-testid=journal-row]')].map(r => r.dataset.action)",
            vec![],
        )
        .await;
        assert!(
            actions.len() >= 3 && actions.iter().all(|a| a == "find_triggered"),
            "the filter keeps only finds: {actions:?}"
        );
        screens::check_screen(&c, axe, "Journal", &mut problems).await;
        screens::screenshots_at_sizes(&c, "journal").await;
        screens::resize(&c, 1280, 800).await;
        screenshot(&c, "journal").await;
        click(&c, "[data-testid=journal-export]").await;
        click(&c, "[data-testid=journal-export-go]").await;
        let rows = {
            wait_css(&c, "[data-testid=journal-export-result]").await;
            attr(&c, "[data-testid=journal-export-result]", "data-rows").await
        };
        let rows: usize = rows.parse().unwrap();
        assert!(rows >= actions.len(), "the export holds what the filter shows: {rows}");
        let csv = files_ending(exports, ".csv");
        let journal_csv = csv
            .iter()
            .find(|p| p.to_string_lossy().contains("dam-staging-journal-"))
            .unwrap_or_else(|| panic!("no journal export among {csv:?}"));
        let text = std::fs::read_to_string(journal_csv).unwrap();
        assert!(text.starts_with("Time (UTC),Action,"), "{text}");
        assert_eq!(text.lines().count(), rows + 1, "{text}");
        assert!(text.contains("Find triggered"), "{text}");
        assert!(!text.contains("Scheduled check"), "the filter applies to the export");

        // The newest report as an Excel workbook.
        click(&c, "[data-testid=nav-fleet]").await;
        click(&c, "[data-testid=fleet-drift]").await;
        click(&c, "[data-testid=drift-open]").await;
        wait_css(&c, "[data-testid=grid-row][data-index]").await;
        click(&c, "[data-testid=export]").await;
        click(&c, "[data-testid=export-format-xlsx]").await;
        let path: String = eval(
            &c,
            "return document.querySelector('[data-testid=export-path]').value",
            vec![json!(null)],
        )
        .await;
        assert!(path.ends_with(".xlsx"), "{path}");
        click(&c, "[data-testid=export-go]").await;
        wait_text(&c, "[data-testid=export-result]", "Summary sheet").await;
        let xlsx = files_ending(exports, ".xlsx");
        assert_eq!(xlsx.len(), 1, "{xlsx:?}");
        let bytes = std::fs::read(&xlsx[0]).unwrap();
        assert!(bytes.starts_with(b"PK"), "an xlsx is a zip file");
        // The export is in the journal too.
        click(&c, "[data-testid=nav-journal]").await;
        wait_css(&c, "[data-testid=journal-row][data-action=report_exported]").await;
        found.lock().unwrap().extend(problems);
    })
    .await;
    let problems = found.lock().unwrap();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
