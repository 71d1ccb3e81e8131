//! Several subscribers per publisher at the command layer, against the in-process `dam-sim` demo
//! plus a second subscriber environment: each subscriber's runs and operations use its own
//! environment; a subscriber registered, deregistered and registered again through the commands
//! (each step in the journal); a report that is not complete refused unless forced.

mod headless;

use std::sync::Arc;
use std::time::Duration;

use dam_staging_console::commands::subscribers::{self, RegisterRequest, TargetLogin};
use dam_staging_console::commands::{data, profiles};
use dam_staging_console::demo::{self, DEMO_PUBLISHER_ID, DEMO_SUBSCRIBER_ID};
use dam_staging_console::dto::{Environment, ProfileDto};
use dam_staging_console::runs::RunManager;
use dam_staging_console::state::AppState;
use dx_staging::journal::{AnswerOutcome, JournalAction, JournalEntry, JournalFilter};
use dx_staging::profile::{EnvSource, SubscriberLink};
use dx_staging::workflow::{DriverOptions, Warning};
use headless::Host;

struct Fixture {
    state: Arc<AppState>,
    _dir: tempfile::TempDir,
    /// The second subscriber's environment (stopped on drop).
    green: dam_sim::RunningEnv,
    password: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let runs = RunManager::with_options(
        dir.path().join("data/runs"),
        dir.path().join("data/reports"),
        DriverOptions {
            poll_min: Duration::from_millis(50),
            poll_max: Duration::from_millis(250),
            ..DriverOptions::default()
        },
    );
    let state = Arc::new(headless::app_state_with_runs(dir.path(), runs));
    demo::ensure_started(&state.connections)
        .await
        .expect("demo starts");
    let password = state
        .connections
        .secrets
        .get(DEMO_PUBLISHER_ID)
        .unwrap()
        .unwrap()
        .expose()
        .to_string();
    // A second, empty subscriber environment with the demo's administrator.
    let mut cfg = dam_sim::EnvConfig::new(dam_sim::Role::Subscriber, dir.path().join("green.db"));
    cfg.password = password.clone();
    let green = dam_sim::start(cfg).await.expect("second subscriber starts");
    Fixture {
        state,
        _dir: dir,
        green,
        password,
    }
}

impl Fixture {
    fn green_host(&self) -> String {
        format!("127.0.0.1:{}", self.green.port())
    }

    /// A connection to the second environment, saved (with the password only when given).
    async fn save_green(&self, password: Option<&str>) -> String {
        let mut d = ProfileDto::from(&self.state.connections.profile(DEMO_SUBSCRIBER_ID).unwrap());
        d.id = String::new();
        d.name = "Render green".into();
        let port = u32::from(self.green.port());
        (d.dx_port, d.ring_api_port, d.dam_api_port) = (port, port, port);
        profiles::save(&self.state, d, password.map(str::to_string), None, false)
            .await
            .unwrap()
            .profile
            .id
    }

    fn typed(&self) -> TargetLogin {
        TargetLogin::Typed {
            username: "wpsadmin".into(),
            password: self.password.clone(),
        }
    }

    async fn register_green(&self, login: TargetLogin) -> String {
        subscribers::register(
            &self.state,
            RegisterRequest {
                profile_id: DEMO_PUBLISHER_ID.into(),
                target_host: self.green_host(),
                cycle_length: Some(1440),
                login,
            },
        )
        .await
        .expect("registered")
        .id
    }

    async fn subscriber_ids(&self) -> Vec<String> {
        data::subscribers(&self.state.connections, DEMO_PUBLISHER_ID.into())
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    fn journal(&self) -> Vec<JournalEntry> {
        self.state
            .runs
            .audit()
            .read(&JournalFilter::default(), 1000)
            .unwrap()
            .entries
    }

    fn publisher_links(&self) -> Vec<SubscriberLink> {
        self.state
            .connections
            .profile(DEMO_PUBLISHER_ID)
            .unwrap()
            .subscriber_links
    }
}

fn wire(e: dam_staging_console::error::AppError) -> serde_json::Value {
    serde_json::to_value(&e).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_subscriber_runs_against_its_own_environment() {
    let f = fixture().await;
    let blue = f.subscriber_ids().await[0].clone();
    // Green's connection is saved without its password at first.
    let green_env = f.save_green(None).await;
    let green = f.register_green(f.typed()).await;
    // Not linked yet: offered by host, and named as lacking an environment.
    let envs = data::environments(&f.state.connections, DEMO_PUBLISHER_ID.into())
        .await
        .unwrap();
    let of = |id: &str| envs.iter().find(|e| e.subscriber_id == id).unwrap().clone();
    assert_eq!(of(&blue).profile_id.as_deref(), Some(DEMO_SUBSCRIBER_ID));
    assert_eq!(of(&blue).source, Some(EnvSource::Linked));
    let unlinked = of(&green);
    assert_eq!(unlinked.profile_id, None);
    assert_eq!(
        unlinked.target_host.as_deref(),
        Some(f.green_host().as_str())
    );
    assert_eq!(
        unlinked.offered_profile_id.as_deref(),
        Some(green_env.as_str())
    );
    assert_eq!(
        unlinked.offered_profile_name.as_deref(),
        Some("Render green")
    );

    // The publisher's form links green to its own environment.
    let mut publisher = ProfileDto::from(&f.state.connections.profile(DEMO_PUBLISHER_ID).unwrap());
    publisher.subscriber_links.push(SubscriberLink {
        subscriber_id: green.clone(),
        profile_id: green_env.clone(),
    });
    profiles::save(&f.state, publisher, None, None, false)
        .await
        .unwrap();
    let envs = data::environments(&f.state.connections, DEMO_PUBLISHER_ID.into())
        .await
        .unwrap();
    assert!(envs.iter().all(|e| e.profile_id.is_some()), "{envs:#?}");

    // A find on each: blue's pre-flight reads blue's environment; green's reads green's, whose
    // password is not stored yet, so it could not be checked.
    let host = Host(f.state.clone());
    let runs = f.state.runs.clone();
    let blue_run = runs
        .find_to_the_end(host.clone(), DEMO_PUBLISHER_ID, &blue)
        .await
        .unwrap();
    assert!(blue_run.done, "{blue_run:#?}");
    let unchecked = |r: &dam_staging_console::runs::view::RunView| {
        r.warnings
            .iter()
            .any(|w| w.warning == Warning::SubscriberEnvUnchecked)
    };
    assert!(!unchecked(&blue_run), "{blue_run:#?}");
    let green_run = runs
        .find_to_the_end(host.clone(), DEMO_PUBLISHER_ID, &green)
        .await
        .unwrap();
    assert!(green_run.done, "{green_run:#?}");
    assert!(
        unchecked(&green_run),
        "green's own environment was used: {green_run:#?}"
    );
    // With its password, green's environment is checked too.
    profiles::store_password(&f.state, green_env.clone(), f.password.clone())
        .await
        .unwrap();
    let again = runs
        .find_to_the_end(host, DEMO_PUBLISHER_ID, &green)
        .await
        .unwrap();
    assert!(!unchecked(&again), "{again:#?}");
    assert!(
        again.find_rule.as_deref().unwrap().contains("CF218"),
        "{again:#?}"
    );

    // Operations of "the subscriber environment" are those of the subscriber asked for.
    for (sub, env) in [(&blue, DEMO_SUBSCRIBER_ID), (&green, green_env.as_str())] {
        let page = data::operations(
            &f.state.connections,
            DEMO_PUBLISHER_ID.into(),
            Environment::Subscriber,
            Some(sub.clone()),
            vec![],
            String::new(),
            0,
            10,
        )
        .await
        .unwrap();
        assert_eq!(page.profile_id, env);
    }
    // Without a subscriber, two environments are ambiguous: the error says to pick one.
    let err = data::operations(
        &f.state.connections,
        DEMO_PUBLISHER_ID.into(),
        Environment::Subscriber,
        None,
        vec![],
        String::new(),
        0,
        10,
    )
    .await
    .unwrap_err();
    assert_eq!(wire(err)["code"], "no_linked_profile");

    // The fleet names each subscriber's environment.
    let overview = dam_staging_console::commands::fleet::overview(&f.state, 7)
        .await
        .unwrap();
    let rows = &overview.publishers[0].subscribers;
    let env_of = |id: &str| {
        rows.iter()
            .find(|r| r.subscriber_id == id)
            .and_then(|r| r.environment.clone())
            .and_then(|e| e.profile_id)
    };
    assert_eq!(env_of(&blue).as_deref(), Some(DEMO_SUBSCRIBER_ID));
    assert_eq!(env_of(&green).as_deref(), Some(green_env.as_str()));
    // Neither environment is a publisher.
    assert_eq!(overview.publishers.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_profiles_file_with_one_link_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let old = serde_json::json!({"version": 1, "selectedProfileId": "pub", "profiles": [
        {"id": "pub", "name": "Prod", "dxProtocol": "https", "hostname": "pub.example.com",
         "dxPort": 443, "ringAPIPort": 443, "damAPIPort": 443, "ringAPIVersion": "v1",
         "damAPIVersion": "v1", "dxUsername": "wpsadmin", "tls": {"mode": "verify"},
         "timeouts": {"connectSecs": 10, "requestSecs": 60}, "subscriberProfileId": "env"},
        {"id": "env", "name": "Render", "dxProtocol": "https", "hostname": "render.example.com",
         "dxPort": 443, "ringAPIPort": 443, "damAPIPort": 443, "ringAPIVersion": "v1",
         "damAPIVersion": "v1", "dxUsername": "wpsadmin", "tls": {"mode": "verify"},
         "timeouts": {"connectSecs": 10, "requestSecs": 60}}
    ]});
    std::fs::write(data_dir.join("profiles.json"), old.to_string()).unwrap();
    let state = headless::app_state(dir.path());
    assert!(dam_staging_console::commands::app::notices(&state).is_empty());
    let views = profiles::views(&state).await.unwrap();
    let publisher = views.iter().find(|v| v.profile.id == "pub").unwrap();
    assert_eq!(
        publisher.profile.subscriber_profile_id.as_deref(),
        Some("env")
    );
    assert!(publisher.profile.subscriber_links.is_empty());
    assert_eq!(publisher.profile.dx_cf_level, None);
    // The one link stands for the subscriber whose target host is the environment's host, not
    // for the others; without such a subscriber, for every subscriber.
    let sub = |id: &str, host: &str| dx_staging::Subscriber {
        id: Some(id.into()),
        target_host: Some(host.into()),
        ..dx_staging::Subscriber::default()
    };
    let profiles: Vec<_> = state.connections.store().all().cloned().collect();
    let p = &profiles[0];
    let listed = [
        sub("s-blue", "render.example.com"),
        sub("s-green", "green.example.com"),
    ];
    let views = dam_staging_console::connections::environment_views(p, &listed, &profiles);
    assert_eq!(views[0].profile_id.as_deref(), Some("env"));
    assert_eq!(views[0].source, Some(EnvSource::Fallback));
    assert_eq!(views[1].profile_id, None);
    let listed = [sub("s-1", "a.example.com"), sub("s-2", "b.example.com")];
    let views = dam_staging_console::connections::environment_views(p, &listed, &profiles);
    assert!(views.iter().all(|v| v.profile_id.as_deref() == Some("env")));
    // The environment is not a publisher; the publisher is.
    let pubs = dx_staging::fleet::publishers(&profiles);
    assert_eq!(
        pubs.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["pub"]
    );
    // Saved again from the form, the file keeps the older link and adds the new ones.
    let mut d = publisher.profile.clone();
    d.subscriber_links.push(SubscriberLink {
        subscriber_id: "s-green".into(),
        profile_id: "env".into(),
    });
    d.dx_cf_level = Some(216);
    profiles::save(&state, d, Some("pw".into()), None, false)
        .await
        .unwrap();
    let text = std::fs::read_to_string(data_dir.join("profiles.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["profiles"][0]["subscriberProfileId"], "env");
    assert_eq!(
        v["profiles"][0]["subscriberLinks"][0]["subscriberId"],
        "s-green"
    );
    assert_eq!(v["profiles"][0]["dxCfLevel"], 216);
    assert_eq!(
        state.connections.profile("pub").unwrap().find_watch(),
        dx_staging::FindWatch::TimeLimit
    );
    // A CF level that is not one is refused, naming the field.
    let mut bad = publisher.profile.clone();
    bad.dx_cf_level = Some(0);
    let err = profiles::save(&state, bad, None, None, false)
        .await
        .unwrap_err();
    assert_eq!(wire(err)["field"], "dxCfLevel");
}

#[tokio::test(flavor = "multi_thread")]
async fn register_deregister_and_reregister_are_journaled() {
    let f = fixture().await;
    assert_eq!(f.subscriber_ids().await.len(), 1);
    let request = |cycle, login| RegisterRequest {
        profile_id: DEMO_PUBLISHER_ID.into(),
        target_host: f.green_host(),
        cycle_length: cycle,
        login,
    };
    // A cycle past 24 hours, or a wrong password: nothing is registered.
    let err = subscribers::register(&f.state, request(Some(1441), f.typed()))
        .await
        .unwrap_err();
    assert_eq!(wire(err)["field"], "cycleLength");
    let wrong = TargetLogin::Typed {
        username: "wpsadmin".into(),
        password: "not-it".into(),
    };
    let err = subscribers::register(&f.state, request(None, wrong))
        .await
        .unwrap_err();
    assert_eq!(wire(err)["code"], "bad_credentials");
    assert_eq!(f.subscriber_ids().await.len(), 1);
    assert!(!f
        .journal()
        .iter()
        .any(|e| e.action == JournalAction::SubscriberRegistered));

    // Registered with a saved connection's login: linked to it at once.
    let green_env = f.save_green(Some(&f.password)).await;
    let green = f
        .register_green(TargetLogin::Profile {
            profile_id: green_env.clone(),
        })
        .await;
    assert_eq!(f.subscriber_ids().await.len(), 2);
    let dto = data::subscriber(
        &f.state.connections,
        DEMO_PUBLISHER_ID.into(),
        green.clone(),
    )
    .await
    .unwrap();
    assert_eq!(dto.cycle_length, Some(1440.0));
    assert!(f.publisher_links().contains(&SubscriberLink {
        subscriber_id: green.clone(),
        profile_id: green_env.clone()
    }));
    let registered = f
        .journal()
        .into_iter()
        .find(|e| e.action == JournalAction::SubscriberRegistered)
        .unwrap();
    assert_eq!(registered.answer.outcome, AnswerOutcome::Done);
    assert_eq!(registered.subscriber_id.as_deref(), Some(green.as_str()));
    assert!(registered.asked.contains(&f.green_host()), "{registered:?}");
    assert!(!serde_json::to_string(&f.journal())
        .unwrap()
        .contains(&f.password));

    // What deregistering stops, with counts.
    let preview = subscribers::preview(&f.state, DEMO_PUBLISHER_ID, &green)
        .await
        .unwrap();
    assert_eq!(preview.mismatch_logs, Some(0));
    assert_eq!(
        preview.counted_from,
        Some(subscribers::LogsCountedFrom::Server)
    );
    assert_eq!(preview.subscriber.cycle_length, Some(1440.0));
    assert_eq!(preview.environment_name.as_deref(), Some("Render green"));
    assert!(!preview.job_running);

    // Re-register: a new registration of the same host and cycle, its link moved along.
    let again = subscribers::reregister(&f.state, DEMO_PUBLISHER_ID, &green, Some(f.typed()))
        .await
        .unwrap();
    assert_ne!(again.id, green);
    assert_eq!(again.target_host.as_deref(), Some(f.green_host().as_str()));
    assert_eq!(again.cycle_length, Some(1440.0));
    let ids = f.subscriber_ids().await;
    assert!(ids.contains(&again.id) && !ids.contains(&green), "{ids:?}");
    let links = f.publisher_links();
    assert!(links
        .iter()
        .any(|l| l.subscriber_id == again.id && l.profile_id == green_env));
    assert!(!links.iter().any(|l| l.subscriber_id == green));
    let journal = f.journal();
    let steps: Vec<_> = journal
        .iter()
        .filter(|e| e.asked.starts_with("Re-register"))
        .collect();
    assert_eq!(steps.len(), 2, "{journal:#?}");
    // Newest first: the registration, then the deregistration before it.
    assert_eq!(steps[0].action, JournalAction::SubscriberRegistered);
    assert_eq!(steps[0].subscriber_id.as_deref(), Some(again.id.as_str()));
    assert_eq!(steps[1].action, JournalAction::SubscriberDeregistered);
    assert_eq!(steps[1].subscriber_id.as_deref(), Some(green.as_str()));
    assert!(steps
        .iter()
        .all(|e| e.answer.outcome == AnswerOutcome::Done));

    // Deregister: gone from the publisher, its link forgotten, journaled.
    subscribers::deregister(&f.state, DEMO_PUBLISHER_ID, &again.id)
        .await
        .unwrap();
    assert_eq!(f.subscriber_ids().await.len(), 1);
    assert!(!f
        .publisher_links()
        .iter()
        .any(|l| l.subscriber_id == again.id));
    let newest = &f.journal()[0];
    assert_eq!(newest.action, JournalAction::SubscriberDeregistered);
    assert_eq!(newest.answer.outcome, AnswerOutcome::Done);
    assert!(newest
        .answer
        .message
        .as_deref()
        .unwrap()
        .contains("every 1440 min"));
    // Twice: DX no longer knows it, and the journal says so.
    let err = subscribers::deregister(&f.state, DEMO_PUBLISHER_ID, &again.id)
        .await
        .unwrap_err();
    assert_eq!(wire(err)["code"], "unknown_subscriber");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_is_not_complete_is_refused_unless_forced() {
    let f = fixture().await;
    let blue = f.subscriber_ids().await[0].clone();
    // No find has run for it yet.
    let err = subscribers::fetch_report(&f.state, DEMO_PUBLISHER_ID, &blue, false)
        .await
        .unwrap_err();
    let w = wire(err);
    assert_eq!(w["code"], "refused", "{w}");
    let message = w["message"].as_str().unwrap();
    assert!(
        message.contains("no find has run") && message.contains(&blue),
        "{message}"
    );
    assert_eq!(w["field"], serde_json::Value::Null);
    assert!(
        dam_staging_console::reports::library::list(f.state.runs.library(), DEMO_PUBLISHER_ID)
            .is_empty()
    );
    // Forced: downloaded into the library, marked possibly inaccurate.
    let forced = subscribers::fetch_report(&f.state, DEMO_PUBLISHER_ID, &blue, true)
        .await
        .unwrap();
    assert!(forced.possibly_inaccurate, "{forced:?}");
    assert_eq!(forced.subscriber_id.as_deref(), Some(blue.as_str()));
    assert!(std::path::Path::new(&forced.path).exists());
    // After a completed find: downloaded without asking, and accurate.
    let host = Host(f.state.clone());
    let run = f
        .state
        .runs
        .find_to_the_end(host, DEMO_PUBLISHER_ID, &blue)
        .await
        .unwrap();
    assert!(run.done, "{run:#?}");
    let fresh = subscribers::fetch_report(&f.state, DEMO_PUBLISHER_ID, &blue, false)
        .await
        .unwrap();
    assert!(!fresh.possibly_inaccurate, "{fresh:?}");
    assert!(fresh.rows.unwrap() > 0);
}
