//! The command layer against the `dam-sim` demo running in-process: what each command returns,
//! its errors as `{code, message, field}`, that a failed save leaves nothing behind, that every
//! command taking a file path refuses one from outside the app's folders, and that a corrupt
//! profiles file is moved aside at start.

mod headless;

use std::path::Path;
use std::sync::Arc;

use dam_staging_console::commands::runs::StartRunsRequest;
use dam_staging_console::commands::{app, data, library, profiles, reports, runs};
use dam_staging_console::demo::{self, DEMO_PUBLISHER_ID, DEMO_SUBSCRIBER_ID};
use dam_staging_console::dto::{Environment, ProfileDto, TlsDto};
use dam_staging_console::paths::Access;
use dam_staging_console::secrets::PasswordPlace;
use dam_staging_console::startup::StartupNotice;
use dam_staging_console::state::AppState;
use headless::Host;
use mismatch_report::Filter;
use serde_json::json;

struct Fixture {
    state: Arc<AppState>,
    dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(headless::app_state(dir.path()));
    demo::ensure_started(&state.connections)
        .await
        .expect("demo starts");
    Fixture { state, dir }
}

impl Fixture {
    fn profiles_file(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join("data/profiles.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// A draft pointing at the demo publisher.
    fn draft(&self, name: &str) -> ProfileDto {
        let mut d = ProfileDto::from(&self.state.connections.profile(DEMO_PUBLISHER_ID).unwrap());
        d.id = String::new();
        d.name = name.into();
        d.subscriber_profile_id = None;
        d.subscriber_links.clear();
        d
    }

    async fn demo_password(&self) -> String {
        self.state
            .connections
            .secrets
            .get(DEMO_PUBLISHER_ID)
            .unwrap()
            .unwrap()
            .expose()
            .to_string()
    }
}

#[tokio::test]
async fn demo_profiles_are_linked_and_held_in_memory() {
    let f = fixture().await;
    let views = profiles::views(&f.state).await.unwrap();
    assert_eq!(views.len(), 2);
    let publisher = views
        .iter()
        .find(|v| v.profile.id == DEMO_PUBLISHER_ID)
        .unwrap();
    assert!(publisher.demo);
    assert_eq!(publisher.password, PasswordPlace::Memory);
    // The demo's one subscriber is linked to its own environment.
    assert_eq!(publisher.profile.subscriber_links.len(), 1);
    assert_eq!(
        publisher.profile.subscriber_links[0].profile_id,
        DEMO_SUBSCRIBER_ID
    );
    assert_eq!(publisher.profile.subscriber_profile_id, None);
    assert!(
        f.profiles_file().is_none(),
        "demo profiles must not be written"
    );

    let report = profiles::test_saved(&f.state, DEMO_PUBLISHER_ID.into(), None)
        .await
        .unwrap();
    assert!(report.reachable);
    assert_eq!(report.subscriber_count, 1);
    let subs = data::subscribers(&f.state.connections, DEMO_PUBLISHER_ID.into())
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    let one = data::subscriber(
        &f.state.connections,
        DEMO_PUBLISHER_ID.into(),
        subs[0].id.clone(),
    )
    .await
    .unwrap();
    assert_eq!(one.id, subs[0].id);
    assert_eq!(
        publisher.profile.subscriber_links[0].subscriber_id,
        subs[0].id
    );
    for sub in [Some(subs[0].id.clone()), None] {
        let page = data::operations(
            &f.state.connections,
            DEMO_PUBLISHER_ID.into(),
            Environment::Subscriber,
            sub,
            vec![],
            "sync".into(),
            0,
            50,
        )
        .await
        .unwrap();
        assert_eq!(page.profile_id, DEMO_SUBSCRIBER_ID);
    }
}

#[tokio::test]
async fn a_failed_save_leaves_nothing_and_a_good_one_stores_the_password() {
    let f = fixture().await;
    let err = profiles::save(
        &f.state,
        f.draft("Wrong"),
        Some("not-it".into()),
        None,
        true,
    )
    .await
    .unwrap_err();
    let wire = serde_json::to_value(&err).unwrap();
    assert_eq!(wire["code"], "bad_credentials");
    assert!(f.profiles_file().is_none());
    assert_eq!(profiles::views(&f.state).await.unwrap().len(), 2);

    let mut bad = f.draft("Bad");
    bad.hostname = "https://dx.example.com".into();
    bad.dx_port = 70000;
    let err = profiles::save(&f.state, bad.clone(), Some("x".into()), None, false)
        .await
        .unwrap_err();
    assert_eq!(serde_json::to_value(&err).unwrap()["field"], "hostname");
    let problems = profiles::problems(&f.state, &bad.into());
    let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(
        fields.contains(&"hostname") && fields.contains(&"dxPort"),
        "{fields:?}"
    );
    assert!(f.profiles_file().is_none());

    let pw = f.demo_password().await;
    let saved = profiles::save(&f.state, f.draft("Good"), Some(pw.clone()), None, true)
        .await
        .unwrap();
    assert_eq!(saved.password, PasswordPlace::Memory);
    let file = f.profiles_file().unwrap();
    assert_eq!(file["profiles"].as_array().unwrap().len(), 1);
    assert!(!file.to_string().contains(&pw));
    let id = saved.profile.id.clone();
    let copy = profiles::duplicate(&f.state, id.clone()).await.unwrap();
    assert_eq!(copy.profile.name, "Good (copy)");
    assert_eq!(copy.password, PasswordPlace::Memory);
    profiles::delete(&f.state, id.clone()).await.unwrap();
    assert_eq!(f.state.connections.secrets.place(&id), PasswordPlace::None);
    assert!(f.state.connections.profile(&id).is_err());
}

#[tokio::test]
async fn imported_settings_carry_their_password_to_the_save() {
    let f = fixture().await;
    let publisher = f.state.connections.profile(DEMO_PUBLISHER_ID).unwrap();
    let settings = json!({
        "dxProtocol": "http", "hostname": publisher.hostname, "dxPort": publisher.dx_port,
        "ringAPIPort": publisher.ring_api_port.to_string(), "damAPIPort": publisher.dam_api_port,
        "dxUsername": publisher.dx_username, "dxPassword": f.demo_password().await,
        "damAPIVersion": "v1", "ringAPIVersion": "v1"
    });
    let imported = profiles::import(&f.state, settings.to_string())
        .await
        .unwrap();
    assert!(imported.problems.is_empty(), "{:?}", imported.problems);
    let token = imported.password_token.clone().expect("a password token");
    let report = profiles::test_unsaved(
        &f.state,
        imported.profile.clone(),
        None,
        Some(token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(report.subscriber_count, 1);
    let saved = profiles::save(&f.state, imported.profile, None, Some(token), true)
        .await
        .unwrap();
    assert_eq!(saved.password, PasswordPlace::Memory);
    assert!(matches!(saved.profile.tls, TlsDto::Verify));

    let err = profiles::import(&f.state, "{not json".into())
        .await
        .unwrap_err();
    assert_eq!(
        serde_json::to_value(&err).unwrap()["code"],
        "invalid_profile"
    );
}

#[tokio::test]
async fn operations_of_an_unlinked_profile_say_what_to_do() {
    let f = fixture().await;
    let pw = f.demo_password().await;
    let saved = profiles::save(&f.state, f.draft("Solo"), Some(pw), None, false)
        .await
        .unwrap();
    let err = data::operations(
        &f.state.connections,
        saved.profile.id,
        Environment::Subscriber,
        None,
        vec![],
        String::new(),
        0,
        10,
    )
    .await
    .unwrap_err();
    let wire = serde_json::to_value(&err).unwrap();
    assert_eq!(wire["code"], "no_linked_profile");
    assert!(wire["message"].as_str().unwrap().contains("Solo"));
    let err = data::subscribers(&f.state.connections, "nope".into())
        .await
        .unwrap_err();
    assert_eq!(
        serde_json::to_value(&err).unwrap()["code"],
        "unknown_profile"
    );
}

fn code(e: dam_staging_console::error::AppError) -> String {
    serde_json::to_value(&e).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn write_report(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        "subscriberId,recordType,recordAction,recordId\nsub-1,RENDITION,CREATE,r1\n",
    )
    .unwrap();
}

#[test]
fn a_malformed_report_reaches_the_window_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = headless::app_state(dir.path());
    let bad = data.join("reports/p1/bad.csv");
    write_report(&bad);
    // Line 3: a recordType that is not UTF-8 (a file saved in Latin-1, say).
    let mut bytes = std::fs::read(&bad).unwrap();
    bytes.extend_from_slice(b"sub-1,REN\xC9DITION,CREATE,r2\n");
    std::fs::write(&bad, bytes).unwrap();
    let bad_s = bad.display().to_string();
    let e = reports::open(&state, &bad_s, "l1", &mut |_| {}).unwrap_err();
    let wire = serde_json::to_value(&e).unwrap();
    assert_eq!(wire["code"], "report_file", "{wire}");
    assert_eq!(
        wire["location"],
        json!({"path": bad_s, "line": 3, "column": "recordType", "record": null})
    );
    let message = wire["message"].as_str().unwrap();
    assert!(
        message.contains("bad.csv") && message.contains("line 3"),
        "{message}"
    );

    // Line 3 again: a record with too few fields, quoted back.
    write_report(&bad);
    let mut text = std::fs::read_to_string(&bad).unwrap();
    text.push_str("sub-1,RENDITION\n");
    std::fs::write(&bad, text).unwrap();
    let e = reports::open(&state, &bad_s, "l2", &mut |_| {}).unwrap_err();
    let wire = serde_json::to_value(&e).unwrap();
    assert_eq!(wire["code"], "report_file", "{wire}");
    assert_eq!(wire["location"]["line"], 3, "{wire}");
    assert_eq!(wire["location"]["record"], "sub-1,RENDITION", "{wire}");
}

#[tokio::test]
async fn every_command_taking_a_path_refuses_one_from_outside() {
    let f = fixture().await;
    let data = f.dir.path().join("data");
    let exports = headless::exports_dir(f.dir.path());
    let wb = &*f.state;
    let inside = data.join("reports/p1/inside.csv");
    write_report(&inside);
    let outside = f.dir.path().join("elsewhere/outside.csv");
    write_report(&outside);
    let (inside_s, outside_s) = (inside.display().to_string(), outside.display().to_string());
    let refused = |e| {
        let wire = serde_json::to_value(&e).unwrap();
        assert_eq!(wire["code"], "path_not_allowed", "{wire}");
        assert!(
            wire["message"].as_str().unwrap().contains("elsewhere"),
            "{wire}"
        );
    };

    // open_report
    refused(reports::open(wb, &outside_s, "l1", &mut |_| {}).unwrap_err());
    let sneaky = data.join("reports/../../elsewhere/outside.csv");
    assert_eq!(
        code(reports::open(wb, &sneaky.display().to_string(), "l2", &mut |_| {}).unwrap_err()),
        "path_not_allowed"
    );
    assert_eq!(
        code(reports::open(wb, "reports/p1/inside.csv", "l3", &mut |_| {}).unwrap_err()),
        "path_not_allowed"
    );
    let info = reports::open(wb, &inside_s, "l4", &mut |_| {}).unwrap();
    assert_eq!(info.rows, 1);

    // export_report: outside, not .csv, existing without and with the user's confirmation.
    let all = Filter::default();
    let outside_out = f.dir.path().join("elsewhere/out.csv").display().to_string();
    refused(reports::export(wb, &info.handle, &all, None, &outside_out, true, None).unwrap_err());
    assert!(!f.dir.path().join("elsewhere/out.csv").exists());
    let txt = exports.join("out.txt").display().to_string();
    assert_eq!(
        code(reports::export(wb, &info.handle, &all, None, &txt, true, None).unwrap_err()),
        "export_unknown_format"
    );
    let out = exports.join("out.CSV").display().to_string();
    let written = reports::export(wb, &info.handle, &all, None, &out, false, None).unwrap();
    assert_eq!(written.rows, 1);
    let again = reports::export(wb, &info.handle, &all, None, &out, false, None).unwrap_err();
    let wire = serde_json::to_value(&again).unwrap();
    assert_eq!(wire["code"], "export_exists");
    assert!(wire["message"].as_str().unwrap().contains("out.CSV"));
    reports::export(wb, &info.handle, &all, None, &out, true, None).unwrap();
    // A library file is readable, not writable.
    refused(reports::export(wb, &info.handle, &all, None, &outside_out, true, None).unwrap_err());
    assert_eq!(
        code(reports::export(wb, &info.handle, &all, None, &inside_s, true, None).unwrap_err()),
        "path_not_allowed"
    );

    // compare_reports: either side outside.
    refused(library::compare(wb, &inside_s, &outside_s).unwrap_err());
    refused(library::compare(wb, &outside_s, &inside_s).unwrap_err());
    library::compare(wb, &inside_s, &out).unwrap();

    // remove_library_report: only the library's own files, never a chosen one.
    refused(library::remove(wb, &outside_s).unwrap_err());
    assert!(outside.exists());

    // start_runs: a verify's previous report.
    let host = Host(f.state.clone());
    let request = StartRunsRequest {
        profile_id: DEMO_PUBLISHER_ID.into(),
        subscriber_ids: vec!["sub-1".into()],
        kind: dx_staging::workflow::RunKind::Verify,
        journey_id: None,
        previous_report: Some(outside_s.clone()),
        clear_stale_logs: None,
    };
    refused(runs::start(&host, wb, request).unwrap_err());
    assert!(wb.runs.list(None).is_empty(), "nothing was started");

    // save_profile and test_draft: a typed CA file path, refused before it is read.
    let mut with_ca = f.draft("With CA");
    with_ca.tls = TlsDto::CustomCa {
        ca_pem_path: outside_s.clone(),
        ca_original: None,
    };
    refused(
        profiles::save(&f.state, with_ca.clone(), Some("x".into()), None, false)
            .await
            .unwrap_err(),
    );
    refused(
        profiles::test_unsaved(&f.state, with_ca.clone(), Some("x".into()), None)
            .await
            .unwrap_err(),
    );
    assert!(f.profiles_file().is_none());

    // pick_export_path: a suggestion outside starts the dialog in the export folder.
    let (dir, name) = reports::dialog_start(wb, &outside_out);
    assert_eq!(dir, exports);
    assert_eq!(name.as_deref(), Some("out.csv"));
    let (dir, _) = reports::dialog_start(wb, &exports.join("sub/x.csv").display().to_string());
    assert_eq!(dir, exports.join("sub"));

    // What the user chose in a dialog (or dropped) is allowed, for that use only.
    wb.paths.approve(&outside, Access::Read);
    let opened = reports::open(wb, &outside_s, "l5", &mut |_| {}).unwrap();
    library::compare(wb, &inside_s, &outside_s).unwrap();
    refused(reports::export(wb, &opened.handle, &all, None, &outside_s, true, None).unwrap_err());
    refused(library::remove(wb, &outside_s).unwrap_err());
    let chosen = f.dir.path().join("elsewhere/chosen.csv");
    wb.paths.approve(&chosen, Access::Write);
    let chosen_s = chosen.display().to_string();
    reports::export(wb, &opened.handle, &all, None, &chosen_s, false, None).unwrap();
    assert!(chosen.exists());
}

#[tokio::test]
async fn a_corrupt_profiles_file_is_moved_aside_and_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("profiles.json"),
        "{\"version\": 1, \"profiles\": [tru",
    )
    .unwrap();
    std::fs::write(data.join(".profiles.json.4242.tmp"), "half").unwrap();
    assert_eq!(
        dam_staging_console::startup::remove_leftover_temp_files(&data),
        1
    );
    let state = headless::app_state(dir.path());
    assert!(profiles::views(&state).await.unwrap().is_empty());
    let notices = app::notices(&state);
    assert_eq!(notices.len(), 1);
    let StartupNotice::ProfilesMovedAside { path, moved_to, .. } = &notices[0];
    assert!(path.ends_with("profiles.json"));
    let moved = Path::new(moved_to);
    assert_eq!(moved.parent(), Some(data.as_path()));
    assert_eq!(
        std::fs::read_to_string(moved).unwrap(),
        "{\"version\": 1, \"profiles\": [tru"
    );
    let wire = serde_json::to_value(&notices[0]).unwrap();
    assert_eq!(wire["kind"], "profilesMovedAside");
    assert!(app::notices(&state).is_empty(), "said once");
    // The app works on: a new profile is saved to a fresh file.
    let mut p = dx_staging::Profile::new("dx.example.com", "admin");
    p.id = "p1".into();
    p.name = "New".into();
    state.connections.store().upsert(p).unwrap();
    let text = std::fs::read_to_string(data.join("profiles.json")).unwrap();
    assert!(text.contains("dx.example.com"));
    let names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}
