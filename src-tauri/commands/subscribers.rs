//! A subscriber's life on its publisher, as DXClient's `register-dam-subscriber` and
//! `deregister-dam-subscriber` (HCL's REST: `POST` / `DELETE /staging/subscriber`): register
//! (after checking that the subscriber's own administrator can log in to it), what deregistering
//! would stop (with counts), deregister, and the guided re-register HCL advises when a find fails
//! on a large amount of data. Every step goes to the journal. Also: fetching a subscriber's
//! report outside a run, by DXClient's rule since CF221 (`dx_staging::readiness`).
//!
//! What the API cannot do, and the app says so: the credentials the publisher uses to transfer
//! assets live in the publisher's `<release>-dam-staging` secret, set by DXClient or an
//! operator ([`dx_staging::client::CREDENTIALS_NOT_SET`]).

use std::time::Duration;

use dx_staging::client::{Registration, DEFAULT_CYCLE_LENGTH_MINUTES, MAX_CYCLE_LENGTH_MINUTES};
use dx_staging::hostname::HostKey;
use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::profile::same_host;
use dx_staging::{FetchOptions, Profile, Protocol, ReportRequest, Secret, Subscriber};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::connections::test_client;
use crate::dto::SubscriberDto;
use crate::error::{AppError, AppResult};
use crate::reports::dto::clamp;
use crate::reports::library::{self, LibraryEntry};
use crate::state::AppState;

/// How the app checks that the subscriber's own administrator can log in to it before it is
/// registered. The transfer credentials themselves cannot go through DX's API.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(
    tag = "with",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TargetLogin {
    /// The subscriber's portal administrator, typed in the dialog (used for this check only,
    /// never kept).
    Typed {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// A saved connection to the subscriber's environment (its password in the keyring).
    Profile {
        /// The connection's profile id.
        profile_id: String,
    },
}

/// A subscriber to register on a publisher.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The publisher's profile.
    pub profile_id: String,
    /// Where the subscriber is (DXClient `-targetHostname`).
    pub target_host: String,
    /// Minutes between periodic staging cycles (HCL: default 2, at most 1,440); `None`: 2.
    pub cycle_length: Option<u32>,
    /// How the subscriber's own administrator login is checked first.
    pub login: TargetLogin,
}

/// Registers a subscriber on a publisher after checking that its own administrator can log in
/// to it. The registration goes to the journal; a saved connection used for the check becomes
/// the new subscriber's environment.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request), fields(profile = %request.profile_id, target = %request.target_host), err)]
pub async fn register_subscriber(
    state: State<'_, AppState>,
    request: RegisterRequest,
) -> AppResult<SubscriberDto> {
    register(&state, request).await
}

/// The logic of [`register_subscriber`].
pub async fn register(state: &AppState, request: RegisterRequest) -> AppResult<SubscriberDto> {
    let publisher = state.connections.profile(&request.profile_id)?;
    let target = request.target_host.trim().to_string();
    let registration = Registration {
        target_host: target.clone(),
        cycle_length: request
            .cycle_length
            .map_or(DEFAULT_CYCLE_LENGTH_MINUTES, u64::from),
        status: true,
    };
    registration.validate()?;
    let checked_as = check_target_login(state, &publisher, &target, &request.login).await?;
    let result = send_registration(state, &publisher, &registration).await;
    state.runs.audit().record(registered_entry(
        &publisher,
        &registration,
        &result,
        &format!("login to {target} checked as {checked_as}"),
        None,
    ));
    let subscriber = result?;
    if let TargetLogin::Profile { profile_id } = &request.login {
        link(state, &publisher.id, subscriber.id_str(), profile_id)?;
    }
    Ok(SubscriberDto::from(subscriber))
}

/// A field's problem, as `dx-staging` names profile fields.
fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Dx(dx_staging::Error::InvalidProfile {
        field: field.to_string(),
        message: message.into(),
    })
}

async fn send_registration(
    state: &AppState,
    publisher: &Profile,
    registration: &Registration,
) -> AppResult<Subscriber> {
    let client = state.connections.client(&publisher.id).await?;
    Ok(client.subscribers().register(registration).await?)
}

/// The journal's line for a registration; `step` names it within a re-register.
fn registered_entry(
    publisher: &Profile,
    r: &Registration,
    result: &AppResult<Subscriber>,
    detail: &str,
    step: Option<&str>,
) -> JournalEntry {
    let asked = format!(
        "{}Register subscriber {} on {} (staging every {} min)",
        step.unwrap_or(""),
        r.target_host,
        publisher.name,
        r.cycle_length
    );
    let answer = match result {
        Ok(s) => JournalAnswer::done().with_message(format!("registered as {}", s.id_str())),
        Err(e) => e.journal_answer(),
    };
    let entry = JournalEntry::new(JournalAction::SubscriberRegistered, asked, answer)
        .with_profile(publisher)
        .with_detail(detail.to_string());
    match result {
        Ok(s) => entry.with_subscriber(s.id_str().to_string()),
        Err(_) => entry,
    }
}

/// A profile to log in to `target_host` with: the publisher's settings (API versions, time
/// limits, certificate checking) at the target's host, port and protocol.
pub fn target_profile(
    publisher: &Profile,
    target_host: &str,
    username: &str,
) -> AppResult<Profile> {
    let key = HostKey::parse(target_host).ok_or_else(|| invalid("targetHost", "is empty"))?;
    let text = target_host.trim().to_ascii_lowercase();
    let protocol = if text.starts_with("http://") {
        Protocol::Http
    } else if text.starts_with("https://") {
        Protocol::Https
    } else {
        publisher.protocol().unwrap_or_default()
    };
    let port = u32::from(key.port.unwrap_or(match protocol {
        Protocol::Http => 80,
        Protocol::Https => 443,
    }));
    let host = if key.host.contains(':') {
        format!("[{}]", key.host)
    } else {
        key.host
    };
    let p = Profile {
        id: String::new(),
        name: target_host.trim().to_string(),
        dx_protocol: protocol.as_str().to_string(),
        hostname: host,
        dx_port: port,
        ring_api_port: port,
        dam_api_port: port,
        dx_username: username.trim().to_string(),
        subscriber_links: Vec::new(),
        fallback_subscriber_profile_id: None,
        dx_cf_level: publisher.dx_cf_level,
        ..publisher.clone()
    };
    p.validate()?;
    Ok(p)
}

/// Logs in to the subscriber at `target_host` as its own administrator; answers the user name
/// that logged in.
async fn check_target_login(
    state: &AppState,
    publisher: &Profile,
    target_host: &str,
    login: &TargetLogin,
) -> AppResult<String> {
    match login {
        TargetLogin::Typed { username, password } => {
            if username.trim().is_empty() {
                return Err(invalid("dxUsername", "is empty"));
            }
            if password.is_empty() {
                return Err(AppError::PasswordNeeded {
                    profile: target_host.to_string(),
                });
            }
            let profile = target_profile(publisher, target_host, username)?;
            test_client(&profile, Secret::new(password.clone()))?
                .login()
                .await?;
            Ok(username.trim().to_string())
        }
        TargetLogin::Profile { profile_id } => {
            let env = state.connections.profile(profile_id)?;
            if !same_host(&env.host_and_port(), target_host) {
                return Err(invalid(
                    "targetHost",
                    format!(
                        "the connection {} is to {}, not to {target_host}",
                        env.name,
                        env.host_and_port()
                    ),
                ));
            }
            state.connections.forget_client(profile_id).await;
            state.connections.client(profile_id).await?.login().await?;
            Ok(format!("{} (connection {})", env.dx_username, env.name))
        }
    }
}

/// Links subscriber `subscriber_id` of `publisher_id` to the environment `env_id` (saved).
fn link(state: &AppState, publisher_id: &str, subscriber_id: &str, env_id: &str) -> AppResult<()> {
    let mut store = state.connections.store();
    let mut p = store.get(publisher_id)?.clone();
    p.set_link(subscriber_id, Some(env_id));
    store.upsert(p)
}

/// Where the mismatch logs of a subscriber were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum LogsCountedFrom {
    /// Read from the publisher now (every page of its mismatch logs).
    Server,
    /// The subscriber's newest report in the library (the server could not be read).
    Library,
}

/// What deregistering a subscriber would stop, with counts, for the dialog that asks first.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeregisterPreview {
    /// The subscriber as the publisher has it now (target host, cycle length, status).
    pub subscriber: SubscriberDto,
    /// Its mismatch logs on the publisher, which deregistering deletes (`None`: not known).
    pub mismatch_logs: Option<u32>,
    /// Where that count comes from.
    pub counted_from: Option<LogsCountedFrom>,
    /// When the library's report was fetched, when the count comes from it (ISO).
    pub counted_at: Option<String>,
    /// A find or resync is running for it now (DX aborts it).
    pub job_running: bool,
    /// The saved connection of its environment, which stays (content and connection).
    pub environment_name: Option<String>,
    /// That connection's profile id (a re-register can check the login with it).
    pub environment_profile_id: Option<String>,
}

/// What deregistering `subscriber_id` from the publisher `profile_id` would stop.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn deregister_preview(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: String,
) -> AppResult<DeregisterPreview> {
    preview(&state, &profile_id, &subscriber_id).await
}

/// How long counting the server's mismatch logs may take before the library's count is used.
const COUNT_LIMIT: Duration = Duration::from_secs(20);

/// The logic of [`deregister_preview`].
pub async fn preview(
    state: &AppState,
    profile_id: &str,
    subscriber_id: &str,
) -> AppResult<DeregisterPreview> {
    let client = state.connections.client(profile_id).await?;
    let sub = client.subscribers().get(subscriber_id).await?;
    let query = client
        .mismatches()
        .list(Some(subscriber_id))
        .page(0, dx_staging::report::DEFAULT_REPORT_PAGE_SIZE);
    let counted = tokio::time::timeout(
        COUNT_LIMIT,
        query.read_all(dx_staging::report::DEFAULT_REPORT_CONCURRENCY, |_| {
            std::future::ready(Ok(()))
        }),
    )
    .await;
    let (mismatch_logs, counted_from, counted_at) = match counted {
        Ok(Ok(summary)) => (
            Some(clamp(summary.rows)),
            Some(LogsCountedFrom::Server),
            None,
        ),
        other => {
            tracing::warn!(
                ?other,
                "mismatch logs not counted on the server; the library's count is shown"
            );
            let last = library::list(state.runs.library(), profile_id)
                .into_iter()
                .filter(|e| !e.archived && e.subscriber_id.as_deref() == Some(subscriber_id))
                .max_by(|a, b| a.fetched_at.cmp(&b.fetched_at));
            match last.and_then(|e| Some((e.rows?, e.fetched_at))) {
                Some((rows, at)) => (Some(rows), Some(LogsCountedFrom::Library), at),
                None => (None, None, None),
            }
        }
    };
    let env = state
        .connections
        .subscriber_env(profile_id, subscriber_id, Some(&client))
        .await?
        .and_then(|e| state.connections.profile(&e.profile_id).ok());
    Ok(DeregisterPreview {
        job_running: sub.resync_status.as_ref().is_some_and(|s| s.is_running()),
        subscriber: SubscriberDto::from(sub),
        mismatch_logs,
        counted_from,
        counted_at,
        environment_profile_id: env.as_ref().map(|p| p.id.clone()),
        environment_name: env.map(|p| p.name),
    })
}

/// Deregisters `subscriber_id` from the publisher `profile_id`: periodic staging to it stops,
/// its mismatch logs on the publisher are deleted, a running find or resync is aborted; its own
/// content stays. The app stops watching its runs and forgets its link; the journal says what
/// was asked and what DX answered.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn deregister_subscriber(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: String,
) -> AppResult<()> {
    deregister(&state, &profile_id, &subscriber_id).await
}

/// The logic of [`deregister_subscriber`].
pub async fn deregister(state: &AppState, profile_id: &str, subscriber_id: &str) -> AppResult<()> {
    let publisher = state.connections.profile(profile_id)?;
    let client = state.connections.client(profile_id).await?;
    let sub = client.subscribers().get(subscriber_id).await?;
    send_deregistration(state, &publisher, &client, &sub, None).await?;
    let mut store = state.connections.store();
    let mut p = store.get(profile_id)?.clone();
    if p.link_for(subscriber_id).is_some() {
        p.set_link(subscriber_id, None);
        store.upsert(p)?;
    }
    Ok(())
}

/// Sends the deregistration, journals it, and stops watching the subscriber's runs.
async fn send_deregistration(
    state: &AppState,
    publisher: &Profile,
    client: &dx_staging::Client,
    sub: &Subscriber,
    step: Option<&str>,
) -> AppResult<()> {
    let id = sub.id_str();
    let host = sub.target_host.as_deref().unwrap_or(id);
    let result = client.subscribers().deregister(id).await;
    let cycle = sub
        .cycle_length
        .map_or_else(String::new, |n| format!(" every {n} min"));
    let answer = match &result {
        Ok(()) => JournalAnswer::done().with_message(format!(
            "deregistered: periodic staging{cycle} stopped, its mismatch logs on the publisher deleted"
        )),
        Err(e) => JournalAnswer::from_error(e),
    };
    state.runs.audit().record(
        JournalEntry::new(
            JournalAction::SubscriberDeregistered,
            format!(
                "{}Deregister subscriber {host} from {}",
                step.unwrap_or(""),
                publisher.name
            ),
            answer,
        )
        .with_profile(publisher)
        .with_subscriber(id.to_string()),
    );
    result?;
    for r in state.runs.list(Some(&publisher.id)) {
        if r.subscriber_id == id && !r.done {
            state.runs.cancel(&r.run_id);
        }
    }
    Ok(())
}

/// HCL's remedy for a find that fails on a large amount of data: deregister subscriber
/// `subscriber_id` and register the same target host again with the same cycle length. With
/// `login`, the subscriber's administrator login is checked before anything changes. The link
/// to its environment follows the new registration. Both steps go to the journal.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, login), err)]
pub async fn reregister_subscriber(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: String,
    login: Option<TargetLogin>,
) -> AppResult<SubscriberDto> {
    reregister(&state, &profile_id, &subscriber_id, login).await
}

/// The logic of [`reregister_subscriber`].
pub async fn reregister(
    state: &AppState,
    profile_id: &str,
    subscriber_id: &str,
    login: Option<TargetLogin>,
) -> AppResult<SubscriberDto> {
    let publisher = state.connections.profile(profile_id)?;
    let client = state.connections.client(profile_id).await?;
    let sub = client.subscribers().get(subscriber_id).await?;
    let target = sub
        .target_host
        .clone()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            invalid(
                "targetHost",
                format!("DX gives no target host for subscriber {subscriber_id}: register it again by hand"),
            )
        })?;
    let registration = Registration {
        target_host: target.clone(),
        cycle_length: sub
            .cycle_length
            .filter(|n| (1..=MAX_CYCLE_LENGTH_MINUTES).contains(n))
            .unwrap_or(DEFAULT_CYCLE_LENGTH_MINUTES),
        status: true,
    };
    registration.validate()?;
    let checked = match &login {
        Some(l) => Some(check_target_login(state, &publisher, &target, l).await?),
        None => None,
    };
    send_deregistration(
        state,
        &publisher,
        &client,
        &sub,
        Some("Re-register, step 1 of 2: "),
    )
    .await?;
    let result = send_registration(state, &publisher, &registration).await;
    let detail = match &checked {
        Some(who) => format!("re-register of {subscriber_id}; login to {target} checked as {who}"),
        None => format!("re-register of {subscriber_id}"),
    };
    state.runs.audit().record(registered_entry(
        &publisher,
        &registration,
        &result,
        &detail,
        Some("Re-register, step 2 of 2: "),
    ));
    let new = result.map_err(|e| AppError::Reregister {
        target_host: target.clone(),
        cycle_length: registration.cycle_length,
        detail: e.to_string(),
    })?;
    let mut store = state.connections.store();
    let mut p = store.get(profile_id)?.clone();
    if p.link_for(subscriber_id).is_some() {
        p.move_link(subscriber_id, new.id_str());
        store.upsert(p)?;
    }
    Ok(SubscriberDto::from(new))
}

/// Fetches subscriber `subscriber_id`'s mismatch report into the library, outside a run. By
/// DXClient's rule since CF221 the report of a find that has not completed is refused
/// (`refused`, saying why) unless `force`; a forced report is marked possibly inaccurate.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn fetch_subscriber_report(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: String,
    force: bool,
) -> AppResult<LibraryEntry> {
    fetch_report(&state, &profile_id, &subscriber_id, force).await
}

/// The logic of [`fetch_subscriber_report`].
pub async fn fetch_report(
    state: &AppState,
    profile_id: &str,
    subscriber_id: &str,
    force: bool,
) -> AppResult<LibraryEntry> {
    let client = state.connections.client(profile_id).await?;
    let sub = client.subscribers().get(subscriber_id).await?;
    let readiness = dx_staging::readiness::check(&sub, force)?;
    let dir = library::profile_dir(state.runs.library(), profile_id);
    let path =
        dx_staging::report::default_report_path(&dir, Some(subscriber_id), chrono::Utc::now());
    let request = ReportRequest {
        subscriber_id: Some(subscriber_id.to_string()),
        ..ReportRequest::default()
    };
    let info = dx_staging::fetch_report(
        &client,
        &request,
        &path,
        &FetchOptions::default(),
        |_| {},
        &CancellationToken::new(),
    )
    .await?;
    if let dx_staging::readiness::Readiness::Forced(why) = &readiness {
        tracing::info!(
            subscriber = subscriber_id,
            rows = info.rows,
            "report downloaded by force: {why}"
        );
    }
    library::entry(&info.path, false).ok_or_else(|| AppError::FileSystem {
        action: "reading",
        path: info.path.display().to_string(),
        detail: "the report just fetched is not there".into(),
    })
}
