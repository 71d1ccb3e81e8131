//! Real-window tests: the built app (debug) under Xvfb, driven through `tauri-driver` and
//! WebKitWebDriver, against `dam-sim` on port 0, with HOME and the XDG folders in a temporary
//! folder. They need a display, the driver and a Secret Service, so `scripts/test.sh` runs them
//! (`--ignored`) inside `dbus-run-session` with gnome-keyring unlocked and Xvfb.

mod harness;

use std::time::Duration;

use dx_staging::{Client as DxClient, Outcome, Profile, Rule, RunKind, RunState};
use fantoccini::{Client, Locator};
use harness::*;

/// Fills the new-connection form.
async fn fill_form(
    c: &Client,
    name: &str,
    protocol: &str,
    host: &str,
    port: u16,
    user: &str,
    password: &str,
) {
    fill(c, "#f-name", name).await;
    wait_css(c, "#f-proto")
        .await
        .select_by_value(protocol)
        .await
        .expect("protocol");
    fill(c, "#f-host", host).await;
    for id in ["#f-dxport", "#f-ringport", "#f-damport"] {
        fill(c, id, &port.to_string()).await;
    }
    fill(c, "#f-user", user).await;
    fill(c, "#f-pass", password).await;
}

async fn error_code(c: &Client) -> String {
    let e = wait_css(c, "[data-testid=error]").await;
    e.attr("data-code").await.ok().flatten().unwrap_or_default()
}

/// Waits for the error box with `code`; returns its text.
async fn wait_error(c: &Client, code: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        if let Ok(e) = c.find(Locator::Css("[data-testid=error]")).await {
            if e.attr("data-code").await.ok().flatten().as_deref() == Some(code) {
                return e.text().await.unwrap_or_default();
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {code} error; saw {:?}",
            error_code(c).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An admin session on one environment of a `dam-sim demo` process, for its `/sim/v1` test
/// interface (faults, stats).
struct SimAdmin {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl SimAdmin {
    /// Logs in to the demo's `"/publisher"` or `"/subscriber"`.
    async fn login(sim: &Sim, env: &str) -> SimAdmin {
        let http = reqwest::Client::new();
        let base = sim.get(env);
        let login = http
            .post(format!("{base}/dx/api/core/v1/auth/login"))
            .json(&serde_json::json!({"username": sim.get("/username"), "password": sim.get("/password")}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("login to the demo's {env}: {e}"));
        let cookie = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("LtpaToken2="))
            .and_then(|v| v.split(';').next())
            .expect("an LtpaToken2 cookie")
            .to_string();
        SimAdmin { http, base, cookie }
    }

    /// Sets faults (`POST /sim/v1/faults`).
    async fn faults(&self, body: serde_json::Value) {
        let r = self
            .http
            .post(format!("{}/sim/v1/faults", self.base))
            .header("Cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .expect("set faults");
        assert!(r.status().is_success(), "faults: {}", r.status());
    }

    /// The environment's operations by status (`GET /sim/v1/stats`).
    async fn operations(&self) -> serde_json::Value {
        let r = self
            .http
            .get(format!("{}/sim/v1/stats", self.base))
            .header("Cookie", &self.cookie)
            .send()
            .await
            .expect("stats");
        let stats: serde_json::Value = r.json().await.expect("stats JSON");
        stats["operations"].clone()
    }
}

/// Makes the next `count` sync operations on the demo's subscriber fail (dam-sim's test
/// interface), then runs a find and a resync, so the subscriber environment has `sync*`
/// operations that stay (failed ones are kept); returns when the resync's operations have all
/// ended (none to do, processing or retrying), with `count` of them `FAILED`.
async fn make_operations(sim: &Sim, count: u32) {
    let sub = SimAdmin::login(sim, "/subscriber").await;
    sub.faults(serde_json::json!({ "failSyncOperations": count }))
        .await;

    let (host, port) = host_port(&sim.get("/publisher"));
    let mut p = Profile::new(host, sim.get("/username"));
    p.dx_protocol = "http".into();
    (p.dx_port, p.ring_api_port, p.dam_api_port) = (port as u32, port as u32, port as u32);
    let client = DxClient::builder(&p, sim.get("/password"))
        .build()
        .expect("client");
    let id = sim.get("/subscriberId");
    let status_becomes = |wanted: &'static str, failed: &'static str| {
        let (client, id) = (&client, &id);
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(120);
            loop {
                let s = client.subscribers().get(id).await.expect("subscriber");
                let status = s
                    .resync_status
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default();
                if status == wanted {
                    return;
                }
                assert!(status != failed, "the demo's job ended {failed}");
                assert!(
                    std::time::Instant::now() < deadline,
                    "the demo's job did not reach {wanted}"
                );
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    };
    client
        .subscribers()
        .start_find(&id)
        .await
        .expect("start find");
    status_becomes("FIND_MISMATCH_COMPLETED", "FIND_MISMATCH_FAILED").await;
    client
        .subscribers()
        .start_resync(&id)
        .await
        .expect("start resync");
    status_becomes("RESYNC_TRIGGER_COMPLETED", "RESYNC_TRIGGER_FAILED").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let ops = sub.operations().await;
        let n = |status: &str| ops[status].as_u64().unwrap_or(0);
        if n("FAILED") >= u64::from(count) && n("TODO") + n("PROCESSING") + n("RETRY") == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the subscriber's sync operations did not end: {ops}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Opens the new-connection form, fills it and saves it (the save tests the connection first).
async fn add_profile(
    c: &Client,
    name: &str,
    url: &str,
    user: &str,
    password: &str,
    link: Option<&str>,
    shot: Option<&str>,
) {
    // After the first connection the Getting started guide is open: new ones come from Profiles.
    if c.find(Locator::Css("[data-testid=nav-profiles]"))
        .await
        .is_ok()
    {
        click(c, "[data-testid=nav-profiles]").await;
    }
    click(c, "[data-testid=new-profile], [data-testid=add-connection]").await;
    let (host, port) = host_port(url);
    fill_form(c, name, "http", &host, port, user, password).await;
    click(c, "[data-testid=test-draft]").await;
    wait_text(c, "[data-testid=test-result]", "Reachable").await;
    if let Some(shot) = shot {
        screenshot(c, shot).await;
    }
    click(c, "[data-testid=save]").await;
    let notice = wait_text(c, "[data-testid=notice]", &format!("Saved {name}")).await;
    assert!(
        notice.contains("OS keyring"),
        "the password did not reach the keyring: {notice}"
    );
    if let Some(link) = link {
        link_subscriber_environment(c, name, link).await;
    }
}

/// Opens the saved publisher `name` in Profiles and links its (one) subscriber to the saved
/// connection `link`: each subscriber has its own environment, listed once the publisher is saved.
async fn link_subscriber_environment(c: &Client, name: &str, link: &str) {
    click(c, "[data-testid=nav-profiles]").await;
    click(
        c,
        &format!("[data-testid=profile-row][data-name=\"{name}\"] [data-testid=edit]"),
    )
    .await;
    let picker = wait_css(c, "[data-testid=link-row] select").await;
    scroll_into_view(c, &picker).await;
    picker.select_by_label(link).await.expect("link");
    click(c, "[data-testid=save]").await;
    // Saved when the list shows the link.
    wait_text(
        c,
        &format!("[data-testid=profile-row][data-name=\"{name}\"] [data-testid=environments-cell]"),
        link,
    )
    .await;
}

/// Adds the subscriber environment ("Local subscriber") and then its publisher ("Local
/// publisher") linked to it; `shot` names a screenshot of the publisher's tested form.
async fn add_linked_profiles(
    c: &Client,
    (publisher_url, subscriber_url): (&str, &str),
    user: &str,
    password: &str,
    shot: Option<&str>,
) {
    let subscriber = "Local subscriber";
    add_profile(c, subscriber, subscriber_url, user, password, None, None).await;
    let link = Some(subscriber);
    add_profile(
        c,
        "Local publisher",
        publisher_url,
        user,
        password,
        link,
        shot,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn create_profile_browse_and_reopen() {
    let _one = one_session().await;
    let sim = Sim::start(&["demo", "--assets", "40"]);
    make_operations(&sim, 4).await;
    let home = Home::new();
    let driver = Driver::start(&home);
    let password = sim.get("/password");
    let user = sim.get("/username");
    let subscriber_id = sim.get("/subscriberId");
    let (publisher_url, subscriber_url) = (sim.get("/publisher"), sim.get("/subscriber"));

    let pw = password.clone();
    session(&driver, &[], |c| async move {
        let password = pw;
        wait_css(&c, "[data-testid=welcome]").await;
        screenshot(&c, "welcome").await;
        let urls = (publisher_url.as_str(), subscriber_url.as_str());
        add_linked_profiles(&c, urls, &user, &password, Some("profile-form")).await;
        wait_text(&c, "[data-testid=password-place]", "in keyring").await;
        wait_text(&c, "[data-testid=profiles-table]", "Local subscriber").await;
        screenshot(&c, "profiles").await;

        wait_css(&c, "[data-testid=profile-switcher]")
            .await
            .select_by_label("Local publisher")
            .await
            .expect("switch");
        click(&c, "[data-testid=nav-subscribers]").await;
        let row = wait_css(
            &c,
            &format!("[data-testid=subscriber-row][data-id='{subscriber_id}']"),
        )
        .await;
        let badge = row
            .find(Locator::Css(
                "[data-testid=resync-status] [data-testid=badge]",
            ))
            .await
            .expect("resync badge");
        let raw = badge
            .attr("data-raw")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        assert!(raw.starts_with("RESYNC_TRIGGER"), "{raw}");
        assert!(
            badge
                .attr("title")
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
                .len()
                > 20,
            "no meaning on hover"
        );
        // A row's cells take the click (WebKitWebDriver does not click a <tr> itself).
        row.find(Locator::Css("td:nth-child(2)"))
            .await
            .expect("cell")
            .click()
            .await
            .expect("open detail");
        let shown = wait_text(&c, "[data-testid=detail-id]", &subscriber_id).await;
        assert_eq!(shown.trim(), subscriber_id);
        wait_text(&c, "[data-testid=connection]", "connected").await;
        screenshot(&c, "subscribers").await;

        click(&c, "[data-testid=nav-operations]").await;
        click(&c, "[data-testid=env-subscriber]").await;
        fill(&c, "[data-testid=prefix]", "sync").await;
        click(&c, "[data-testid=status-FAILED]").await;
        wait_css(&c, "[data-testid=operation-row]").await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let rows = c
            .find_all(Locator::Css("[data-testid=operation-row]"))
            .await
            .expect("rows");
        assert!(!rows.is_empty(), "no failed sync operation is listed");
        for r in &rows {
            let trigger = r
                .attr("data-trigger")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            let status = r
                .attr("data-status")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            assert!(trigger.starts_with("sync"), "{trigger}");
            assert_eq!(status, "FAILED");
        }
        let failed = wait_css(&c, "[data-testid=count-FAILED]")
            .await
            .text()
            .await
            .unwrap();
        let failed: usize = failed
            .replace([',', '.', ' '], "")
            .parse()
            .expect("a count");
        assert_eq!(failed, rows.len());
        screenshot(&c, "operations").await;
    })
    .await;

    // Close and reopen: the profile and its keyring password are back.
    session(&driver, &[], |c| async move {
        let switcher = wait_css(&c, "[data-testid=profile-switcher]").await;
        assert!(switcher.text().await.unwrap().contains("Local publisher"));
        // The publisher selected last time is selected again, and its password works.
        wait_css(&c, "[data-testid=subscriber-row]").await;
        click(&c, "[data-testid=nav-profiles]").await;
        wait_text(&c, "[data-testid=password-place]", "in keyring").await;
        click(&c, "[data-testid=test]").await;
        wait_text(&c, "[data-testid=test-cell]", "subscribers").await;
    })
    .await;

    let saved = home.profiles_file().expect("profiles.json");
    assert_eq!(saved["profiles"].as_array().map(Vec::len), Some(2));
    assert!(
        home.files_containing(&password).is_empty(),
        "the password is in {:?}",
        home.files_containing(&password)
    );
    for file in home.files_containing("LtpaToken2") {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for (i, _) in text.match_indices("LtpaToken2") {
            let after = &text[i + "LtpaToken2".len()..];
            assert!(
                !after.starts_with('=') || after.starts_with("=***"),
                "a session token is in {}",
                file.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn bad_input_shows_its_message_and_saves_nothing() {
    let _one = one_session().await;
    let sim = Sim::start(&["demo", "--assets", "10"]);
    let tls_dir = tempfile::tempdir().unwrap();
    let tls_db = tls_dir.path().join("tls.db");
    let tls = Sim::start(&[
        "serve",
        "--role",
        "publisher",
        "--tls",
        "--db",
        tls_db.to_str().unwrap(),
    ]);
    let home = Home::new();
    let driver = Driver::start(&home);
    let (host, port) = host_port(&sim.get("/publisher"));
    let (tls_host, tls_port) = host_port(&tls.get("/url"));
    let user = sim.get("/username");
    let password = sim.get("/password");
    let closed_port = free_port();

    let h = &home;
    let pw = password.clone();
    session(&driver, &[], |c| async move {
        let password = pw;
        click(&c, "[data-testid=add-connection]").await;
        fill_form(
            &c,
            "Bad",
            "http",
            "https://dx.example.com",
            port,
            &user,
            &password,
        )
        .await;
        click(&c, "[data-testid=save]").await;
        let msg = wait_text(&c, "[data-testid=field-error-hostname]", "").await;
        assert!(!msg.is_empty());
        fill(&c, "#f-dxport", "70000").await;
        click(&c, "[data-testid=save]").await;
        wait_text(&c, "[data-testid=field-error-dxPort]", "70000").await;
        screenshot(&c, "profile-errors").await;
        assert!(h.profiles_file().is_none(), "an invalid profile was saved");

        fill(&c, "#f-host", &host).await;
        fill(&c, "#f-dxport", &port.to_string()).await;
        fill(&c, "#f-pass", "not-the-password").await;
        click(&c, "[data-testid=save]").await;
        wait_error(&c, "bad_credentials").await;
        wait_css(&c, "[data-testid=save-anyway]").await;
        assert!(
            h.profiles_file().is_none(),
            "saved despite a wrong password"
        );

        for id in ["#f-dxport", "#f-ringport", "#f-damport"] {
            fill(&c, id, &closed_port.to_string()).await;
        }
        fill(&c, "#f-pass", &password).await;
        click(&c, "[data-testid=save]").await;
        wait_error(&c, "connection_refused").await;
        assert!(
            h.profiles_file().is_none(),
            "saved despite an unreachable host"
        );

        wait_css(&c, "#f-proto")
            .await
            .select_by_value("https")
            .await
            .unwrap();
        fill(&c, "#f-host", &tls_host).await;
        for id in ["#f-dxport", "#f-ringport", "#f-damport"] {
            fill(&c, id, &tls_port.to_string()).await;
        }
        click(&c, "[data-testid=save]").await;
        let text = wait_error(&c, "tls").await;
        assert!(text.contains("CA"), "{text}");
        assert!(
            h.profiles_file().is_none(),
            "saved despite an untrusted certificate"
        );

        // The form has changes: Cancel asks first.
        click(&c, "[data-testid=cancel]").await;
        wait_text(&c, "[data-testid=discard]", "Discard changes to Bad?").await;
        click(&c, "[data-testid=discard-confirm]").await;
        wait_css(&c, "[data-testid=welcome]").await;
    })
    .await;
    assert!(home.files_containing(&password).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn demo_mode_shows_linked_environments() {
    let _one = one_session().await;
    let home = Home::new();
    let driver = Driver::start(&home);
    session(&driver, &["--demo"], |c| async move {
        wait_css(&c, "[data-testid=subscriber-row]").await;
        let switcher = wait_css(&c, "[data-testid=profile-switcher]").await;
        assert!(switcher.text().await.unwrap().contains("Demo publisher"));
        wait_text(&c, "[data-testid=connection]", "connected").await;
        screenshot(&c, "demo-subscribers").await;
        // "Find mismatch…" in a subscriber's panel asks first (the earlier logs are kept, then
        // deleted on the server), then starts a find and opens its wizard.
        click(&c, "[data-testid=subscriber-row] td:nth-child(2)").await;
        click(&c, "[data-testid=find-mismatch]").await;
        wait_text(&c, "[data-testid=find-dialog]", "then delete them on the server").await;
        click(&c, "[data-testid=find-dialog-confirm]").await;
        wait_css(&c, "[data-testid=wizard]").await;
        wait_css(
            &c,
            "[data-testid=step-find][data-state=active], [data-testid=step-find][data-state=done]",
        )
        .await;
        click(&c, "[data-testid=nav-operations]").await;
        click(&c, "[data-testid=env-subscriber]").await;
        wait_css(&c, "[data-testid=ops-total], [data-testid=empty]").await;
        screenshot(&c, "demo-operations").await;
        click(&c, "[data-testid=nav-profiles]").await;
        wait_text(
            &c,
            "[data-testid=profiles-table]",
            "Demo subscriber environment",
        )
        .await;
        wait_text(&c, "[data-testid=password-place]", "in memory").await;

        // Once the find has its report, the subscriber's panel opens it in the viewer…
        click(&c, "[data-testid=nav-runs]").await;
        wait_css_within(
            &c,
            "[data-testid=step-report][data-state=done], [data-testid=step-report][data-state=warn]",
            Duration::from_secs(120),
        )
        .await;
        open_subscriber_panel(&c).await;
        let last = wait_css(&c, "[data-testid=open-last-report]:enabled").await;
        let path = last.attr("title").await.ok().flatten().unwrap_or_default();
        assert!(path.ends_with(".csv"), "the button names the report: {path:?}");
        last.click().await.expect("Open last report");
        wait_css(&c, "[data-testid=viewer] [data-testid=grid-row][data-index]").await;
        let shown = wait_css(&c, "[data-testid=viewer] h1")
            .await
            .attr("title")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        assert_eq!(shown, path, "the viewer shows another report than the last one");
        // …under a bar back to the find that fetched it, which offers its resync (confirmed in a
        // dialog; cancelled here) and leads back to the run.
        let bar = wait_text(&c, "[data-testid=run-bar]", "From the find on").await;
        assert!(!bar.contains("undefined"), "{bar}");
        click(&c, "[data-testid=viewer-resync]").await;
        wait_text(&c, "[data-testid=resync-dialog]", "Resync").await;
        click(&c, "[data-testid=resync-dialog-cancel]").await;
        wait_gone(&c, "[data-testid=resync-dialog]").await;
        wait_css(&c, "[data-testid=viewer] [data-testid=grid-row][data-index]").await;
        click(&c, "[data-testid=back-to-run]").await;
        wait_css(&c, "[data-testid=nav-runs][aria-current=page]").await;
        wait_css(&c, "[data-testid=wizard] [data-testid=step-report][data-state=done], [data-testid=wizard] [data-testid=step-report][data-state=warn]").await;
        wait_css(&c, "[data-testid=open-run-report]").await;
        // The panel's "Resync…" asks the same question, for the last find's report.
        open_subscriber_panel(&c).await;
        click(&c, "[data-testid=subscriber-resync]:enabled").await;
        wait_text(&c, "[data-testid=resync-dialog]", "Resync").await;
        wait_css(&c, "[data-testid=resync-dialog-confirm]:enabled").await;
        click(&c, "[data-testid=resync-dialog-cancel]").await;
        wait_gone(&c, "[data-testid=resync-dialog]").await;
        wait_css(&c, "[data-testid=nav-subscribers][aria-current=page]").await;
    })
    .await;
    // Demo profiles and their credentials live in memory only.
    let saved = home.profiles_file();
    assert!(
        saved
            .map(|v| v["profiles"].as_array().map_or(0, Vec::len))
            .unwrap_or(0)
            == 0
    );
}

/// Deregister… in a subscriber's panel (demo mode) asks first in a dialog that names what stops,
/// with counts read from the publisher; Cancel leaves the subscriber registered.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn the_deregister_dialog_names_what_stops_with_counts() {
    let _one = one_session().await;
    let home = Home::new();
    let driver = Driver::start(&home);
    session(&driver, &["--demo"], |c| async move {
        wait_css(&c, "[data-testid=subscriber-row]").await;
        open_subscriber_panel(&c).await;
        click(
            &c,
            "[data-testid=subscriber-detail] [data-testid=deregister]",
        )
        .await;
        let effects = wait_css(
            &c,
            "[data-testid=deregister-dialog] [data-testid=deregister-effects]",
        )
        .await
        .text()
        .await
        .unwrap_or_default();
        says(
            &effects,
            &[
                "Periodic staging to 127.0.0.1:",
                "every 2 minutes stops",
                "own content stays",
            ],
        );
        // The count of its mismatch logs, read from the publisher, is on screen.
        let logs = wait_css(&c, "[data-testid=effect-logs]")
            .await
            .text()
            .await
            .unwrap_or_default();
        assert!(
            logs.contains("no mismatch logs") || logs.chars().any(|ch| ch.is_ascii_digit()),
            "no count: {logs}"
        );
        wait_text(
            &c,
            "[data-testid=deregister-dialog-confirm]:enabled",
            "Deregister 127.0.0.1:",
        )
        .await;
        look(&c, "deregister-dialog").await;
        click(&c, "[data-testid=deregister-dialog-cancel]").await;
        wait_gone(&c, "[data-testid=deregister-dialog]").await;
        wait_css(&c, "[data-testid=subscriber-row]").await;
    })
    .await;
}

/// Subscribers → the first subscriber's panel.
async fn open_subscriber_panel(c: &Client) {
    click(c, "[data-testid=nav-subscribers]").await;
    click(c, "[data-testid=subscriber-row] td:nth-child(2)").await;
    wait_css(c, "[data-testid=subscriber-detail]").await;
}

/// Waits until nothing matches `css`.
async fn wait_gone(c: &Client, css: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(css)).await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The WebDriver link itself: 900 commands of the kinds the suites use (find, read, script,
/// type), all answered, over one kept-alive connection. `tauri-driver` drops about 1 command in
/// 20 when a client opens a new connection per command; fantoccini keeps one open, and this
/// checks that it does.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn webdriver_link_answers_every_command_over_one_connection() {
    let _one = one_session().await;
    let home = Home::new();
    // Also the one session of the app exactly as shipped (its webview configured by itself).
    let driver = Driver::start_as_shipped(&home);
    session(&driver, &[], |c| async move {
        wait_css(&c, "[data-testid=welcome]").await;
        let before = DRIVER_CONNECTIONS.load(std::sync::atomic::Ordering::SeqCst);
        let rounds = 300;
        for i in 0..rounds {
            let e = c
                .find(Locator::Css("[data-testid=welcome]"))
                .await
                .unwrap_or_else(|err| panic!("find, round {i}: {err:?}"));
            e.text()
                .await
                .unwrap_or_else(|err| panic!("text, round {i}: {err:?}"));
            let n = c
                .execute("return arguments[0] + 1", vec![serde_json::json!(i)])
                .await
                .unwrap_or_else(|err| panic!("script, round {i}: {err:?}"));
            assert_eq!(n, serde_json::json!(i + 1));
        }
        let opened = DRIVER_CONNECTIONS.load(std::sync::atomic::Ordering::SeqCst) - before;
        println!(
            "WEBDRIVER_LINK {{\"commands\": {}, \"connections\": {opened}}}",
            rounds * 3
        );
        assert!(
            opened <= 1,
            "{opened} new connections for {} commands: the client does not keep one alive",
            rounds * 3
        );
    })
    .await;
}

/// A screenshot for looking at, not for the README: `/tmp/dsc-NAME.png`.
async fn look(c: &Client, name: &str) {
    let path = std::env::temp_dir().join(format!("dsc-{name}.png"));
    screenshot_at(c, &path).await;
    eprintln!("screenshot: {}", path.display());
}

/// The current value of a form field.
async fn value(c: &Client, css: &str) -> String {
    wait_css(c, css)
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The first-run guide: no connection yet → the publisher's connection → its subscribers → "Add
/// this subscriber's environment" prefilled from the target host and linked to the publisher →
/// saved, linked and selected. Then the `?` list of shortcuts, opened by its key and closed by Esc.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn first_run_guide_links_the_subscriber_environment() {
    let _one = one_session().await;
    let sim = Sim::start(&["demo", "--assets", "10"]);
    let home = Home::new();
    let driver = Driver::start(&home);
    let (user, password) = (sim.get("/username"), sim.get("/password"));
    let subscriber_id = sim.get("/subscriberId");
    let (pub_host, pub_port) = host_port(&sim.get("/publisher"));
    let (sub_host, sub_port) = host_port(&sim.get("/subscriber"));
    let target = format!("{sub_host}:{sub_port}");
    let linked_id = subscriber_id.clone();

    let (t, pw) = (target.clone(), password.clone());
    session(&driver, &[], |c| async move {
        let (target, password) = (t, pw);
        c.set_window_size(1024, 768).await.ok();
        wait_text(&c, "[data-testid=welcome]", "Getting started").await;
        look(&c, "guide-welcome").await;

        click(&c, "[data-testid=add-connection]").await;
        wait_css(&c, "[data-testid=guide] [data-testid=profile-form]").await;
        fill_form(&c, "Publisher", "http", &pub_host, pub_port, &user, &password).await;
        click(&c, "[data-testid=save]").await;
        wait_text(&c, "[data-testid=notice]", "Saved Publisher").await;

        let row = format!("[data-testid=guide-subscriber][data-id='{subscriber_id}']");
        let text = wait_text(&c, &row, &target).await;
        assert!(text.contains("Add this subscriber's environment"), "{text}");
        wait_css(
            &c,
            "[data-testid=guide-step-subscribers][data-state=done], [data-testid=guide-step-environments][data-state=current]",
        )
        .await;
        look(&c, "guide-subscribers").await;

        click(&c, &format!("{row} [data-testid=add-environment]")).await;
        wait_text(&c, "[data-testid=linked-publisher]", "Publisher").await;
        assert_eq!(value(&c, "#f-host").await, sub_host);
        assert_eq!(value(&c, "#f-proto").await, "http");
        for id in ["#f-dxport", "#f-ringport", "#f-damport"] {
            assert_eq!(value(&c, id).await, sub_port.to_string(), "{id}");
        }
        assert_eq!(value(&c, "#f-user").await, user);
        assert_eq!(value(&c, "#f-name").await, target);
        look(&c, "guide-environment-form").await;

        fill(&c, "#f-pass", &password).await;
        click(&c, "[data-testid=save]").await;
        let notice = wait_text(&c, "[data-testid=notice]", "Linked to Publisher").await;
        assert!(notice.contains(&format!("Saved {target}")), "{notice}");
        wait_text(&c, &format!("{row} [data-testid=guide-linked]"), "linked").await;
        wait_css(&c, "[data-testid=guide-step-environments][data-state=done]").await;
        let selected = c
            .execute(
                "const s = document.querySelector('[data-testid=profile-switcher]'); return s.selectedOptions[0].textContent;",
                vec![],
            )
            .await
            .expect("the switcher's selection");
        assert_eq!(selected.as_str(), Some(target.as_str()), "the new connection is not selected");
        look(&c, "guide-done").await;

        // `?` on a button (not a text field) opens the list; Esc closes it.
        wait_css(&c, "[data-testid=help]")
            .await
            .send_keys("?")
            .await
            .expect("type ?");
        let list = wait_text(&c, "[data-testid=shortcuts]", "Ctrl+2").await;
        assert!(list.contains("Open Runs"), "{list}");
        assert!(list.contains("Open Profiles"), "{list}");
        look(&c, "shortcuts").await;
        wait_css(&c, "[data-testid=shortcuts-cancel]")
            .await
            .send_keys("\u{E00C}")
            .await
            .expect("Esc");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while c.find(Locator::Css("[data-testid=shortcuts]")).await.is_ok() {
            assert!(std::time::Instant::now() < deadline, "Esc did not close the list");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    })
    .await;

    let saved = home.profiles_file().expect("profiles.json");
    let profiles = saved["profiles"].as_array().expect("profiles");
    let by_name = |n: &str| {
        profiles
            .iter()
            .find(|p| p["name"] == n)
            .unwrap_or_else(|| panic!("no profile {n}: {saved}"))
    };
    let env = by_name(&target);
    assert_eq!(
        by_name("Publisher")["subscriberLinks"],
        serde_json::json!([{"subscriberId": linked_id, "profileId": env["id"]}]),
        "the publisher's subscriber is not linked to its environment"
    );
    assert!(home.files_containing(&password).is_empty());
}

/// The run of `kind` the app saved in its data folder (`runs/<run id>.json`).
fn saved_run(home: &Home, kind: RunKind) -> RunState {
    let dir = home
        .path()
        .join(".local/share/io.github.dam-staging-console/runs");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".json") && !name.ends_with(".owner.json")
        })
        .map(|p| RunState::load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .find(|r| r.kind == kind)
        .unwrap_or_else(|| panic!("no saved {kind:?} run in {}", dir.display()))
}

/// Runs → choose the demo's subscriber (a publisher's only subscriber comes chosen) → Find
/// mismatch; the wizard opens on the new run.
async fn find_from_runs(c: &Client, subscriber_id: &str) {
    click(c, "[data-testid=nav-runs]").await;
    let choose = format!("[data-testid=choose-subscriber][data-id='{subscriber_id}']");
    let chosen = wait_css(c, &choose)
        .await
        .prop("checked")
        .await
        .ok()
        .flatten();
    if chosen.as_deref() != Some("true") {
        click(c, &choose).await;
    }
    click(c, "[data-testid=start-find]").await;
    wait_css(
        c,
        &format!("[data-testid=wizard][data-subscriber='{subscriber_id}']"),
    )
    .await;
}

/// Waits up to `patience` for the wizard's `step` to fail, shows it, takes a look
/// (`/tmp/dsc-SHOT.png`) and returns its text.
async fn failed_step(c: &Client, step: &str, patience: Duration, shot: &str) -> String {
    let e = wait_css_within(
        c,
        &format!("[data-testid=step-{step}][data-state=failed]"),
        patience,
    )
    .await;
    scroll_into_view(c, &e).await;
    look(c, shot).await;
    e.text()
        .await
        .unwrap_or_else(|err| panic!("the {step} step's text: {err}"))
}

/// Asserts that `text` says each of `needles`.
fn says(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "{n:?} is missing from {text:?}");
    }
}

/// A button of a wizard step, by its words (some have no test id).
async fn step_button(c: &Client, step: &str, words: &str) -> fantoccini::elements::Element {
    let xpath = format!("//*[@data-testid='step-{step}']//button[normalize-space()='{words}']");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no {words:?} button in step {step}: {e}"))
}

/// The 30-minute rule through the window, with the administrator's shorter limit
/// (`DAM_STAGING_STUCK_LIMIT_SECS`): the publisher stalls the next find (dam-sim's
/// `stallNextFind`), the find stays in `FIND_MISMATCH_START` past the limit, and the wizard's
/// find step fails with the stuck wording, what to do and "Find again…".
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn a_stalled_find_is_diagnosed_stuck() {
    let _one = one_session().await;
    let sim = Sim::start(&["demo", "--assets", "10"]);
    SimAdmin::login(&sim, "/publisher")
        .await
        .faults(serde_json::json!({ "stallNextFind": true }))
        .await;
    let home = Home::new();
    // Today's DX: a find none of whose operations changes for the stall limit (4 s here).
    let driver = Driver::start_with_env(&home, &[("DAM_STAGING_FIND_STALL_SECS", "4")]);
    let (user, password) = (sim.get("/username"), sim.get("/password"));
    let subscriber_id = sim.get("/subscriberId");
    let publisher_url = sim.get("/publisher");

    session(&driver, &[], |c| async move {
        add_profile(
            &c,
            "Stalling publisher",
            &publisher_url,
            &user,
            &password,
            None,
            None,
        )
        .await;
        find_from_runs(&c, &subscriber_id).await;
        let text = failed_step(&c, "find", Duration::from_secs(90), "find-stuck").await;
        // The stalled wording, the rule that applied, and what to do: where to look.
        says(
            &text,
            &[
                "Stalled:",
                "none of its operations had changed",
                "What to do:",
                "initiateCollectionTreeTraversal",
            ],
        );
        // "Find again…" asks first, like every find that deletes the earlier logs.
        step_button(&c, "find", "Find again…")
            .await
            .click()
            .await
            .unwrap();
        wait_text(
            &c,
            "[data-testid=find-dialog]",
            "then delete them on the server",
        )
        .await;
        click(&c, "[data-testid=find-dialog-cancel]").await;
        // Recent says it in the shared words, on the failed find step.
        let journey = wait_text(&c, "[data-testid=journey]", "Comparison stalled").await;
        let journey_step = wait_css(&c, "[data-testid=journey]")
            .await
            .attr("data-step")
            .await
            .ok()
            .flatten();
        assert_eq!(journey_step.as_deref(), Some("find"), "{journey}");
    })
    .await;
    // The run took the administrator's stall limit and ended stalled by the progress rule.
    let find = saved_run(&home, RunKind::Find);
    assert_eq!(find.config.find_stall_secs, 4);
    assert!(
        matches!(
            find.outcome,
            Some(Outcome::Stuck {
                rule: dx_staging::FindWatch::Progress,
                ..
            })
        ),
        "{:?}",
        find.outcome
    );
}

/// A refused pre-flight through the window: the subscriber environment has FAILED sync
/// operations (dam-sim's `failSyncOperations` on a resync before the app opens), so after a find
/// the resync's pre-flight refuses; the confirmation says so beforehand, and the wizard's resync
/// step fails with the refusal, what to do and "Resync again…".
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn a_resync_refused_by_its_preflight_says_why() {
    let _one = one_session().await;
    let sim = Sim::start(&["demo", "--assets", "40"]);
    let home = Home::new();
    let driver = Driver::start(&home);
    let (user, password) = (sim.get("/username"), sim.get("/password"));
    let subscriber_id = sim.get("/subscriberId");
    let (publisher_url, subscriber_url) = (sim.get("/publisher"), sim.get("/subscriber"));

    session(&driver, &[], |c| async move {
        let urls = (publisher_url.as_str(), subscriber_url.as_str());
        add_linked_profiles(&c, urls, &user, &password, None).await;
        wait_css(&c, "[data-testid=profile-switcher]")
            .await
            .select_by_label("Local publisher")
            .await
            .expect("switch");
        find_from_runs(&c, &subscriber_id).await;
        wait_css_within(
            &c,
            "[data-testid=step-review][data-state=active]",
            Duration::from_secs(90),
        )
        .await;
        click(&c, "[data-testid=resync]").await;
        // The confirmation checked the subscriber environment: nothing has failed yet...
        wait_text(
            &c,
            "[data-testid=resync-dialog]",
            "no FAILED sync operation",
        )
        .await;
        // ...but meanwhile sync operations fail there (a resync started outside this app), so
        // the run's own pre-flight, just before the trigger, refuses.
        make_operations(&sim, 4).await;
        click(&c, "[data-testid=resync-dialog-confirm]").await;
        let text = failed_step(&c, "resync", Duration::from_secs(60), "resync-refused").await;
        says(
            &text,
            &[
                "4 staging sync operations are FAILED on the subscriber",
                "before resyncing",
                "What to do: Fix what made the sync operations fail",
                "clean-up interval",
            ],
        );
        // Refused before any trigger: the operations step never started.
        let operations = wait_css(&c, "[data-testid=step-operations]").await;
        assert_eq!(
            operations
                .attr("data-state")
                .await
                .ok()
                .flatten()
                .as_deref(),
            Some("pending")
        );
        // Check again: the confirmation now says why it cannot resync, and is disabled.
        click(&c, "[data-testid=refused-check-again]").await;
        let reason = wait_text(
            &c,
            "[data-testid=resync-dialog-reason]",
            "4 FAILED sync operations",
        )
        .await;
        assert!(reason.contains("pre-flight refuses"), "{reason}");
        let go = wait_css(&c, "[data-testid=resync-dialog-confirm]").await;
        assert!(
            !go.is_enabled().await.expect("enabled?"),
            "the resync can be confirmed although the pre-flight will refuse it"
        );
        look(&c, "resync-refused-dialog").await;
        // ...and leads to the failed operations, filtered.
        click(&c, "[data-testid=show-failed-ops]").await;
        wait_css(&c, "[data-testid=env-subscriber][aria-checked=true]").await;
        wait_css(&c, "[data-testid=status-FAILED][aria-pressed=true]").await;
        wait_css(&c, "[data-testid=operation-row][data-status=FAILED]").await;
        let rows = c
            .find_all(Locator::Css("[data-testid=operation-row]"))
            .await
            .expect("rows");
        for r in &rows {
            let status = r.attr("data-status").await.ok().flatten();
            assert_eq!(status.as_deref(), Some("FAILED"));
        }
        look(&c, "failed-operations").await;
    })
    .await;
    // The refusal is the resync pre-flight's rule, and the resync was never triggered.
    let resync = saved_run(&home, RunKind::Resync);
    assert!(
        matches!(
            resync.outcome,
            Some(Outcome::Refused {
                rule: Rule::PreflightResync,
                ..
            })
        ),
        "{:?}",
        resync.outcome
    );
    assert!(
        resync.triggered_at.is_none(),
        "the refused resync was triggered"
    );
}
