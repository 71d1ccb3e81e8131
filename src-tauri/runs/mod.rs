//! Runs in the app: find, resync and verify runs of `dx-staging`'s driver, saved as they go in
//! `<app data>/runs/` so that closing the app never loses one: on the next start, runs that had
//! not ended are resumed (watching picks up again; the server's job went on meanwhile). Runs of
//! one publisher go one at a time, as DX requires; progress reaches every window as the
//! `run-progress` event (a [`view::RunView`]); cancel stops watching, never the server's job.

pub mod journal;
pub mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use dx_staging::journal::JournalAction;
use dx_staging::workflow::{
    DriverOptions, FindWatch, Phase, PublisherTurns, RunConfig, RunKind, RunState, Runner,
    FIND_STALL_SECS, STUCK_LIMIT_SECS,
};
use tauri::{AppHandle, Emitter, Manager};
use tokio_util::sync::CancellationToken;

use crate::audit::AuditTrail;
use crate::connections::Connections;
use crate::error::{AppError, AppResult};
use crate::reports::library;
use crate::state::AppState;
use crate::sync::lock;
use view::{view_of, Live, RunOwner, RunView};

/// The event that carries a [`RunView`] whenever a run moves.
pub const RUN_EVENT: &str = "run-progress";

/// The administrator's stuck limit for new runs judged by the clock (a DX before CF218), in
/// seconds (the CLI's `--stuck-limit-secs`); unset, HCL's 30 minutes.
pub const STUCK_LIMIT_ENV: &str = "DAM_STAGING_STUCK_LIMIT_SECS";

/// The administrator's stall limit for new runs judged by their operations' progress (DX CF218
/// and later), in seconds (the CLI's `--find-stall-secs`); unset, 20 minutes.
pub const FIND_STALL_ENV: &str = "DAM_STAGING_FIND_STALL_SECS";

/// A limit set in the variable `name` (its value `value`): `None` when unset, `Err` (saying
/// why) when it is not a positive whole number of seconds.
fn seconds_from(name: &str, value: Option<&str>) -> Result<Option<u64>, String> {
    let Some(raw) = value else { return Ok(None) };
    match raw.trim().parse::<u64>() {
        Ok(secs) if secs > 0 => Ok(Some(secs)),
        _ => Err(format!(
            "{name}={raw:?} is not a positive whole number of seconds"
        )),
    }
}

/// The limit for a new run from the variable `name` when valid (an invalid value is logged and
/// ignored), else `default`.
fn seconds_setting(name: &str, default: u64) -> u64 {
    let raw = std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    match seconds_from(name, raw.as_deref()) {
        Ok(Some(secs)) => secs,
        Ok(None) => default,
        Err(why) => {
            tracing::warn!("{why}; the default of {default} s applies");
            default
        }
    }
}

/// The app's runs: their files, which are being watched, and the publishers' turns.
#[derive(Debug)]
pub struct RunManager {
    dir: PathBuf,
    library: PathBuf,
    live: Mutex<HashMap<String, Live>>,
    tokens: Mutex<HashMap<String, CancellationToken>>,
    turns: PublisherTurns,
    options: DriverOptions,
    audit: Arc<AuditTrail>,
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::RunFile {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

impl RunManager {
    /// Runs saved in `dir`; reports go to the library under `library`; the audit journal is
    /// beside `dir` (in its parent folder, the app's data folder).
    /// The app polls a run's job every 1 to 5 seconds.
    pub fn new(dir: PathBuf, library: PathBuf) -> Self {
        Self::with_options(
            dir,
            library,
            DriverOptions {
                poll_min: Duration::from_secs(1),
                poll_max: Duration::from_secs(5),
                ..DriverOptions::default()
            },
        )
    }

    /// As [`new`](Self::new), driving runs with `options` (how often to poll, the retries).
    pub fn with_options(dir: PathBuf, library: PathBuf, options: DriverOptions) -> Self {
        let audit = Arc::new(AuditTrail::in_data_dir(dir.parent().unwrap_or(&dir)));
        RunManager {
            audit,
            dir,
            library,
            live: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            turns: PublisherTurns::shared(),
            options,
        }
    }

    /// Runs in `<data_dir>/runs`, their reports in the library `<data_dir>/reports`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::new(data_dir.join("runs"), data_dir.join("reports"))
    }

    /// The library root.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// The audit journal (triggers, deletions, exports, profile changes).
    pub fn audit(&self) -> &Arc<AuditTrail> {
        &self.audit
    }

    fn state_path(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.json"))
    }

    fn owner_path(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.owner.json"))
    }

    /// Creates and saves a new run (not started). Verify compares with `previous_report`, or
    /// with the subscriber's newest report of the library. A find is judged by `find_watch`
    /// (the publisher profile's [`dx_staging::Profile::find_watch`]), saved with the run.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &self,
        profile_id: &str,
        subscriber_id: &str,
        kind: RunKind,
        journey_id: Option<String>,
        previous_report: Option<PathBuf>,
        clear_stale_logs: bool,
        find_watch: FindWatch,
    ) -> AppResult<RunState> {
        let mut config = RunConfig {
            stuck_limit_secs: seconds_setting(STUCK_LIMIT_ENV, STUCK_LIMIT_SECS),
            find_stall_secs: seconds_setting(FIND_STALL_ENV, FIND_STALL_SECS),
            find_watch,
            ..RunConfig::default()
        };
        if kind == RunKind::Find && clear_stale_logs {
            // The old logs are kept in the profile's archive before they are deleted.
            config.clear_stale_logs = true;
            config.archive_dir = Some(library::archive_dir(&self.library, profile_id));
        }
        if kind == RunKind::Verify {
            config.previous_report = previous_report
                .filter(|p| p.exists())
                .or_else(|| library::latest_for(&self.library, profile_id, subscriber_id));
            config.archive_dir = Some(library::archive_dir(&self.library, profile_id));
        }
        let state = RunState::new(kind, subscriber_id, config, Utc::now());
        let owner = RunOwner {
            profile_id: profile_id.to_string(),
            journey_id: journey_id.unwrap_or_else(|| state.run_id.clone()),
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| file_err(&self.dir, e))?;
        let owner_path = self.owner_path(&state.run_id);
        let json = serde_json::to_vec_pretty(&owner).map_err(|e| file_err(&owner_path, e))?;
        write_atomic(&owner_path, &json)?;
        let path = self.state_path(&state.run_id);
        state.save(&path).map_err(AppError::from)?;
        Ok(state)
    }

    /// A saved run and its owner.
    pub fn load(&self, run_id: &str) -> AppResult<(RunState, RunOwner)> {
        if !is_run_id(run_id) {
            return Err(AppError::NotARunId {
                run_id: run_id.to_string(),
            });
        }
        let state = RunState::load(&self.state_path(run_id)).map_err(AppError::from)?;
        let owner_path = self.owner_path(run_id);
        let bytes = std::fs::read(&owner_path).map_err(|e| file_err(&owner_path, e))?;
        let owner: RunOwner =
            serde_json::from_slice(&bytes).map_err(|e| file_err(&owner_path, e))?;
        Ok((state, owner))
    }

    /// The view of one run.
    pub fn view(&self, run_id: &str) -> AppResult<RunView> {
        let (s, o) = self.load(run_id)?;
        Ok(view_of(&s, &o, &self.live_of(run_id)))
    }

    fn live_of(&self, run_id: &str) -> Live {
        lock(&self.live).get(run_id).cloned().unwrap_or_default()
    }

    fn update_live(&self, run_id: &str, f: impl FnOnce(&mut Live)) {
        f(lock(&self.live).entry(run_id.to_string()).or_default());
    }

    /// Every saved run (of one profile, or all), newest first. Unreadable files are skipped.
    pub fn list(&self, profile_id: Option<&str>) -> Vec<RunView> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<RunView> = rd
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".owner.json").map(str::to_string)
            })
            .filter_map(|id| self.view(&id).ok())
            .filter(|v| profile_id.is_none_or(|p| v.profile_id == p))
            .collect();
        out.sort_by(|a, b| {
            b.started_at
                .cmp(&a.started_at)
                .then(b.run_id.cmp(&a.run_id))
        });
        out
    }

    /// Forgets a run that has ended (its reports stay in the library).
    pub fn remove(&self, run_id: &str) -> AppResult<()> {
        let (s, _) = self.load(run_id)?;
        if !s.is_done() && self.is_active(run_id) {
            return Err(AppError::RunBeingWatched);
        }
        let _ = std::fs::remove_file(self.state_path(run_id));
        let _ = std::fs::remove_file(self.owner_path(run_id));
        lock(&self.live).remove(run_id);
        Ok(())
    }

    /// Whether this process is watching (or queueing) the run.
    pub fn is_active(&self, run_id: &str) -> bool {
        lock(&self.tokens).contains_key(run_id)
    }

    /// Stops watching a run (the server's job goes on). `false` when it was not watched.
    pub fn cancel(&self, run_id: &str) -> bool {
        match lock(&self.tokens).get(run_id) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Runs that have not ended and are not watched now, oldest first.
    pub fn unfinished(&self) -> Vec<RunView> {
        let mut v: Vec<RunView> = self
            .list(None)
            .into_iter()
            .filter(|r| !r.done && !self.is_active(&r.run_id))
            .collect();
        v.reverse();
        v
    }

    /// Runs finds one after the other on `queue` (publisher profile ids, each with its
    /// subscribers in the order to check them): every subscriber of the first publisher, then
    /// the next publisher, each find driven to its end before the next is created. A find that
    /// cannot be created is logged and the next one goes on.
    pub async fn find_in_turn<H: RunHost>(
        self: Arc<Self>,
        host: H,
        queue: Vec<(String, Vec<String>)>,
    ) {
        for (profile_id, subscriber_ids) in queue {
            for sub in subscriber_ids {
                self.find_to_the_end(host.clone(), &profile_id, &sub).await;
            }
        }
    }

    /// Creates a find of `subscriber` on `profile_id` that keeps the server's old logs and
    /// drives it to its end; returns how it ended, or `None` when it could not be created
    /// (logged). Queued finds and scheduled checks run their finds through this.
    pub async fn find_to_the_end<H: RunHost>(
        self: &Arc<Self>,
        host: H,
        profile_id: &str,
        subscriber: &str,
    ) -> Option<RunView> {
        let find_watch = host
            .connections()
            .profile(profile_id)
            .map(|p| p.find_watch())
            .unwrap_or_default();
        let run = match self.create(
            profile_id,
            subscriber,
            RunKind::Find,
            None,
            None,
            false,
            find_watch,
        ) {
            Ok(run) => run,
            Err(e) => {
                tracing::warn!(error = %e, subscriber = %subscriber, "a find was not created");
                return None;
            }
        };
        drive(host, self.clone(), run.run_id.clone()).await;
        self.view(&run.run_id).ok()
    }
}

/// Whether `run_id` can name the run's files: ASCII letters, digits, `-` and `_` only (what
/// `dx-staging` makes: `20240501T120000Z-0a1b2c3d`). Anything else could leave the runs folder
/// (`../x`), name a Windows stream (`x:y`) or device (`con`), or differ only by case.
fn is_run_id(run_id: &str) -> bool {
    !run_id.is_empty()
        && run_id.len() <= 64
        && run_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && dx_staging::fsname::is_portable_name(run_id)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> AppResult<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| file_err(dir, e))?;
    tmp.write_all(bytes).map_err(|e| file_err(path, e))?;
    tmp.as_file().sync_all().map_err(|e| file_err(path, e))?;
    tmp.persist(path).map_err(|e| file_err(path, e.error))?;
    // The rename is durable only once the folder's entry is on disk.
    crate::store::sync_dir(dir).map_err(|e| file_err(dir, e))?;
    Ok(())
}

/// What a watched run needs from around it: the app's profiles and clients, and somewhere to
/// tell how it goes. The app is the Tauri [`AppHandle`]; tests drive runs without a window.
pub trait RunHost: Clone + Send + Sync + 'static {
    /// The profiles, passwords and DX clients.
    fn connections(&self) -> &Connections;
    /// A run moved: every window gets its view.
    fn progress(&self, view: &RunView);
    /// A step ended: a desktop notification when the window is not in front.
    fn notify(&self, title: &str, body: &str);
    /// Something the user asked to hear about (a scheduled check found drift or failed): a
    /// desktop notification, window in front or not.
    fn alert(&self, title: &str, body: &str) {
        self.notify(title, body);
    }
}

impl RunHost for AppHandle {
    fn connections(&self) -> &Connections {
        &self.state::<AppState>().inner().connections
    }

    fn progress(&self, view: &RunView) {
        let _ = self.emit(RUN_EVENT, view);
    }

    fn notify(&self, title: &str, body: &str) {
        let focused = self
            .get_webview_window("main")
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(true);
        if !focused {
            self.alert(title, body);
        }
    }

    fn alert(&self, title: &str, body: &str) {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = self.notification().builder().title(title).body(body).show() {
            tracing::warn!(error = %e, "notification not shown");
        }
    }
}

fn emit<H: RunHost>(host: &H, runs: &RunManager, run_id: &str) {
    if let Ok(v) = runs.view(run_id) {
        host.progress(&v);
    }
}

/// The title of a desktop notification when a run of `kind` reaches `phase`.
fn step_title(kind: RunKind, phase: &Phase) -> String {
    let what = match kind {
        RunKind::Find => "Find mismatch",
        RunKind::Resync => "Resync",
        RunKind::Verify => "Verify",
    };
    match phase {
        Phase::Done => format!("{what} finished"),
        Phase::FetchingReport => format!("{what}: DX finished, fetching the report"),
        Phase::WatchingOperations => format!("{what}: operations created, watching them"),
        Phase::Watching { .. } => format!("{what}: started on the server"),
        _ => format!("{what}: next step"),
    }
}

/// Watches a run until it ends or is cancelled: waits its turn (one run at a time per
/// publisher), connects, drives it with `dx-staging`'s runner, and emits every step.
pub async fn drive<H: RunHost>(app: H, runs: Arc<RunManager>, run_id: String) {
    let token = CancellationToken::new();
    {
        let mut tokens = lock(&runs.tokens);
        if tokens.contains_key(&run_id) {
            return;
        }
        tokens.insert(run_id.clone(), token.clone());
    }
    runs.update_live(&run_id, |l| {
        *l = Live {
            queued: true,
            operations_max: l.operations_max,
            message: Some("waiting for the publisher's other run to end".into()),
            ..Live::default()
        }
    });
    emit(&app, &runs, &run_id);
    let result = drive_inner(&app, &runs, &run_id, token).await;
    lock(&runs.tokens).remove(&run_id);
    runs.update_live(&run_id, |l| {
        l.watching = false;
        l.queued = false;
        l.message = None;
        if let Err(e) = &result {
            l.problem = Some(e.payload());
        }
    });
    emit(&app, &runs, &run_id);
    if let Ok(v) = runs.view(&run_id) {
        if v.done {
            app.notify(&step_title(v.kind, &Phase::Done), &v.message);
        }
    }
}

async fn drive_inner<H: RunHost>(
    app: &H,
    runs: &Arc<RunManager>,
    run_id: &str,
    token: CancellationToken,
) -> AppResult<()> {
    let (state, owner) = runs.load(run_id)?;
    if state.is_done() {
        return Ok(());
    }
    // One run at a time per publisher (dx-staging's turns, shared with the CLI).
    let publisher_profile = app.connections().profile(&owner.profile_id)?;
    let publisher_of = PublisherTurns::publisher_of(&publisher_profile);
    let Some(_turn) = runs.turns.wait(&publisher_of, &token, || {}).await? else {
        return Ok(());
    };
    // Re-read: the state may have moved while queued (another window resumed it).
    let (state, owner) = runs.load(run_id)?;
    if state.is_done() {
        return Ok(());
    }
    runs.update_live(run_id, |l| {
        l.queued = false;
        l.watching = true;
        l.problem = None;
        l.message = Some("connecting".into());
    });
    emit(app, runs, run_id);
    let st = app.connections();
    let publisher = st.client(&owner.profile_id).await?;
    // This subscriber's own environment: its pre-flight, the two-way guard and the operations
    // watch read it.
    let env = st
        .subscriber_env(&owner.profile_id, &state.subscriber_id, Some(&publisher))
        .await?;
    let subscriber_env = match env {
        Some(env) => match st.client(&env.profile_id).await {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, environment = %env.profile_id, "subscriber environment not available for the run");
                None
            }
        },
        None => None,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let runner = Runner::new(publisher)
        .subscriber_env(subscriber_env)
        .options(runs.options)
        .state_file(runs.state_path(run_id))
        .report_dir(library::profile_dir(runs.library(), &owner.profile_id))
        .progress(tx)
        .cancel_token(token);
    let fwd_app = app.clone();
    let fwd_runs = runs.clone();
    let fwd_id = run_id.to_string();
    let fwd_subscriber = state.subscriber_id.clone();
    let fwd_profile = publisher_profile.clone();
    // A find's trigger in the journal says which rule judges it (progress since CF218, or the
    // 30-minute limit before).
    let fwd_rule = state.config.find_watch.describe(&state.config);
    let forward = tokio::spawn(async move {
        let mut last_phase: Option<Phase> = None;
        let mut last_emit = Instant::now() - Duration::from_secs(1);
        while let Some(p) = rx.recv().await {
            let moved = last_phase.as_ref() != Some(&p.phase);
            if let Some(line) = journal::on_step(
                &fwd_subscriber,
                last_phase.as_ref(),
                &p.phase,
                p.status.as_ref(),
            ) {
                let entry = line.entry(&fwd_profile, &fwd_subscriber, &fwd_id);
                let entry = if entry.action == JournalAction::FindTriggered {
                    entry.with_detail(format!("run {fwd_id}; {fwd_rule}"))
                } else {
                    entry
                };
                fwd_runs.audit.record(entry);
            }
            fwd_runs.update_live(&fwd_id, |l| {
                l.message = Some(p.message.clone());
                l.rows_fetched = p.rows_fetched;
                if let Some(n) = p.operations_pending {
                    l.operations_max = l.operations_max.max(n);
                }
            });
            if moved || p.outcome.is_some() || last_emit.elapsed() >= Duration::from_millis(150) {
                emit(&fwd_app, &fwd_runs, &fwd_id);
                last_emit = Instant::now();
            }
            if moved && last_phase.is_some() && p.phase != Phase::Done {
                fwd_app.notify(&step_title(p.kind, &p.phase), &p.message);
            }
            last_phase = Some(p.phase);
        }
    });
    let subscriber = state.subscriber_id.clone();
    let result = runner.run(state).await;
    drop(runner);
    let _ = forward.await;
    if let Ok(end) = &result {
        let line = end
            .outcome
            .as_ref()
            .and_then(|o| journal::on_end(end.kind, &subscriber, o, end.triggers_sent));
        if let Some(line) = line {
            runs.audit
                .record(line.entry(&publisher_profile, &subscriber, run_id));
        }
    }
    result.map(|_| ()).map_err(AppError::from)
}

/// Starts watching runs that had not ended when the app last closed (their profile must still
/// exist; demo runs end with their demo).
pub fn resume_unfinished<H: RunHost>(app: &H, runs: &Arc<RunManager>) {
    let st = app.connections();
    for r in runs.unfinished() {
        if st.profile(&r.profile_id).is_err() {
            continue;
        }
        tracing::info!(run = %r.run_id, "resuming a run");
        tauri::async_runtime::spawn(drive(app.clone(), runs.clone(), r.run_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_settings_take_positive_seconds_only() {
        let stuck_limit_from = |v| seconds_from(STUCK_LIMIT_ENV, v);
        assert_eq!(stuck_limit_from(None), Ok(None));
        assert_eq!(stuck_limit_from(Some("5")), Ok(Some(5)));
        assert_eq!(stuck_limit_from(Some(" 90 ")), Ok(Some(90)));
        let why = seconds_from(FIND_STALL_ENV, Some("0")).unwrap_err();
        assert!(why.contains(FIND_STALL_ENV), "{why}");
        for bad in [
            "",
            "0",
            "-5",
            "1.5",
            "30m",
            "ninety",
            "99999999999999999999",
        ] {
            let why = stuck_limit_from(Some(bad)).unwrap_err();
            assert!(why.contains(STUCK_LIMIT_ENV), "{why}");
        }
    }

    #[test]
    fn creates_lists_and_removes_runs() {
        let dir = tempfile::tempdir().unwrap();
        let m = RunManager::new(dir.path().join("runs"), dir.path().join("reports"));
        let a = m
            .create(
                "p1",
                "sub-1",
                RunKind::Find,
                None,
                None,
                true,
                FindWatch::TimeLimit,
            )
            .unwrap();
        let b = m
            .create(
                "p1",
                "sub-1",
                RunKind::Verify,
                Some(a.run_id.clone()),
                None,
                false,
                FindWatch::default(),
            )
            .unwrap();
        m.create(
            "p2",
            "sub-9",
            RunKind::Find,
            None,
            None,
            false,
            FindWatch::default(),
        )
        .unwrap();
        assert_eq!(a.config.find_watch, FindWatch::TimeLimit);
        let list = m.list(Some("p1"));
        assert_eq!(list.len(), 2);
        let va = list.iter().find(|v| v.run_id == a.run_id).unwrap();
        assert!(
            va.find_rule.as_deref().unwrap().contains("before CF218"),
            "{:?}",
            va.find_rule
        );
        let vb = list.iter().find(|v| v.run_id == b.run_id).unwrap();
        assert_eq!(vb.journey_id, a.run_id);
        assert_eq!(vb.kind, RunKind::Verify);
        assert_eq!(vb.at, Phase::Preflight);
        assert!(!vb.done && !vb.watching);
        assert_eq!(m.list(None).len(), 3);
        assert_eq!(m.unfinished().len(), 3);
        assert!(!m.cancel(&a.run_id));
        m.remove(&a.run_id).unwrap();
        assert_eq!(m.list(Some("p1")).len(), 1);
        assert_eq!(m.load("../x").unwrap_err().code(), "not_a_run_id");
    }

    #[test]
    fn run_ids_are_safe_file_names_everywhere() {
        let made = RunState::new(RunKind::Find, "s", RunConfig::default(), Utc::now());
        assert!(is_run_id(&made.run_id), "{}", made.run_id);
        for bad in [
            "", "../x", "a/b", "a\\b", "x:y", "C:", "con", "LPT1", "a.b", "a b", "é",
        ] {
            assert!(!is_run_id(bad), "{bad:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let m = RunManager::new(dir.path().join("runs"), dir.path().join("reports"));
        assert_eq!(m.load("x:y").unwrap_err().code(), "not_a_run_id");
    }

    #[test]
    fn verify_compares_with_the_newest_report_of_the_library() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("reports");
        let m = RunManager::new(dir.path().join("runs"), lib.clone());
        let pdir = library::profile_dir(&lib, "p1");
        std::fs::create_dir_all(&pdir).unwrap();
        let report = pdir.join("r.csv");
        std::fs::write(&report, "subscriberId\n").unwrap();
        std::fs::write(
            dx_staging::report::meta_path(&report),
            serde_json::json!({"source":"s","request":{"subscriberId":"sub-1"},"fetchedAt":"2024-01-01T00:00:00Z","rows":0,"possiblyInaccurate":false,"statusAtFetch":null}).to_string(),
        )
        .unwrap();
        let v = m
            .create(
                "p1",
                "sub-1",
                RunKind::Verify,
                None,
                None,
                false,
                FindWatch::default(),
            )
            .unwrap();
        assert_eq!(v.config.previous_report.as_deref(), Some(report.as_path()));
        assert_eq!(v.config.archive_dir, Some(library::archive_dir(&lib, "p1")));
    }
}
