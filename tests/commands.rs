//! The command layer against the `dam-sim` demo running in-process: what each command returns,
//! its errors as `{code, message, field}`, and that a failed save leaves nothing behind.

use dam_staging_console::commands::{data, profiles};
use dam_staging_console::demo::{self, DEMO_PUBLISHER_ID, DEMO_SUBSCRIBER_ID};
use dam_staging_console::dto::{Environment, ProfileDto, TlsDto};
use dam_staging_console::secrets::{PasswordPlace, Secrets};
use dam_staging_console::state::AppState;
use dam_staging_console::store::ProfileStore;
use serde_json::json;

struct Fixture {
    state: AppState,
    dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = ProfileStore::open(&dir.path().join("data")).unwrap();
    let state = AppState::new(
        store,
        Secrets::memory_only(),
        dir.path().join("logs"),
        dir.path().join("cache"),
    );
    demo::ensure_started(&state).await.expect("demo starts");
    Fixture { state, dir }
}

impl Fixture {
    fn profiles_file(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join("data/profiles.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// A draft pointing at the demo publisher.
    fn draft(&self, name: &str) -> ProfileDto {
        let mut d = ProfileDto::from(&self.state.profile(DEMO_PUBLISHER_ID).unwrap());
        d.id = String::new();
        d.name = name.into();
        d.subscriber_profile_id = None;
        d
    }

    async fn demo_password(&self) -> String {
        self.state
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
    assert_eq!(
        publisher.profile.subscriber_profile_id.as_deref(),
        Some(DEMO_SUBSCRIBER_ID)
    );
    assert!(
        f.profiles_file().is_none(),
        "demo profiles must not be written"
    );

    let report = profiles::test_saved(&f.state, DEMO_PUBLISHER_ID.into(), None)
        .await
        .unwrap();
    assert!(report.reachable);
    assert_eq!(report.subscriber_count, 1);
    let subs = data::subscribers(&f.state, DEMO_PUBLISHER_ID.into())
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    let one = data::subscriber(&f.state, DEMO_PUBLISHER_ID.into(), subs[0].id.clone())
        .await
        .unwrap();
    assert_eq!(one.id, subs[0].id);
    let page = data::operations(
        &f.state,
        DEMO_PUBLISHER_ID.into(),
        Environment::Subscriber,
        vec![],
        "sync".into(),
        0,
        50,
    )
    .await
    .unwrap();
    assert_eq!(page.profile_id, DEMO_SUBSCRIBER_ID);
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
    assert_eq!(f.state.secrets.place(&id), PasswordPlace::None);
    assert!(f.state.profile(&id).is_err());
}

#[tokio::test]
async fn imported_settings_carry_their_password_to_the_save() {
    let f = fixture().await;
    let publisher = f.state.profile(DEMO_PUBLISHER_ID).unwrap();
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
        &f.state,
        saved.profile.id,
        Environment::Subscriber,
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
    let err = data::subscribers(&f.state, "nope".into())
        .await
        .unwrap_err();
    assert_eq!(
        serde_json::to_value(&err).unwrap()["code"],
        "unknown_profile"
    );
}
