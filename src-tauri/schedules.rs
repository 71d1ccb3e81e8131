//! Checks on a schedule: per publisher connection an optional [`Schedule`] (daily at a time, or
//! every so many minutes) that runs finds on its subscribers while the app runs. Schedules only
//! ever run finds, which keep the server's existing mismatch logs: never a resync, never a
//! deletion. A slot missed while the app was closed runs once at the next start, not once per
//! missed slot (`dx-staging`'s [`due`]).
//!
//! The schedules and when each last ran are kept in `<app data>/schedules.json` (written to a
//! temporary name and renamed). The last run is recorded before the check starts, so a crash
//! during a check never makes it run again and again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local, Utc};
use dx_staging::counts::count;
use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::schedule::{due, Due, Schedule};
use dx_staging::workflow::Outcome;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{AppError, AppResult};
use crate::runs::{RunHost, RunManager};
use crate::sync::lock;

/// The file of the schedules in the app's data folder.
pub const SCHEDULES_FILE: &str = "schedules.json";

/// How often the scheduler looks whether a check is due (overridden in tests).
pub const SCHEDULER_TICK_ENV: &str = "DSC_SCHEDULER_TICK_SECS";

/// One publisher's schedule and when it last ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    schedule: Schedule,
    enabled_since: DateTime<Utc>,
    last_run: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    schedules: BTreeMap<String, Entry>,
    /// The user was told once that closing the window keeps the app in the tray.
    #[serde(default)]
    tray_notice_shown: bool,
}

/// A publisher's schedule as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    /// The publisher's profile.
    pub profile_id: String,
    /// The schedule.
    pub schedule: Schedule,
    /// It in words ("Daily at 02:00").
    pub description: String,
    /// When the last scheduled check started (ISO), if one did.
    pub last_run: Option<String>,
    /// When the next check is due (ISO); `None` when one is due now.
    pub next_run: Option<String>,
}

/// A check to run now: the publisher, its schedule, and how many slots before this one were
/// missed (the app was closed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCheck {
    /// The publisher's profile.
    pub profile_id: String,
    /// Its schedule.
    pub schedule: Schedule,
    /// Slots missed before the one this check stands for.
    pub missed: u32,
}

/// The schedules of every publisher connection.
#[derive(Debug)]
pub struct Schedules {
    path: PathBuf,
    file: Mutex<File>,
}

fn now_local() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

impl Schedules {
    /// The schedules kept in `<data_dir>/schedules.json` (none when the file is absent). A file
    /// that is not a schedules file is moved aside (`schedules.json.corrupt-<time>`, logged), so
    /// saving a schedule later never overwrites it, and the app starts without schedules.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        let path = data_dir.join(SCHEDULES_FILE);
        let file = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                match crate::store::move_aside(&path) {
                    Ok(to) => tracing::error!(path = %path.display(), moved_to = %to.display(), error = %e, "the schedules file was not readable and was moved aside; no schedule runs until one is saved"),
                    Err(io) => tracing::error!(path = %path.display(), error = %e, move_error = %io, "the schedules file is not readable and could not be moved aside"),
                }
                File::default()
            }),
            Err(_) => File::default(),
        };
        Schedules {
            path,
            file: Mutex::new(file),
        }
    }

    fn save(&self, file: &File) -> AppResult<()> {
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| self.err(e))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.err(e))?;
        }
        crate::store::write_atomically(&self.path, &bytes).map_err(|e| self.err(e))
    }

    fn err(&self, e: impl std::fmt::Display) -> AppError {
        AppError::FileSystem {
            action: "saving the schedules",
            path: self.path.display().to_string(),
            detail: e.to_string(),
        }
    }

    /// Sets (or, with `None`, removes) the schedule of a publisher. A new or changed schedule
    /// counts from `now`: slots before it were never missed.
    pub fn set(
        &self,
        profile_id: &str,
        schedule: Option<Schedule>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if let Some(s) = &schedule {
            s.validate().map_err(|e| AppError::InvalidSchedule {
                field: e.field(),
                message: e.to_string(),
            })?;
        }
        let mut file = lock(&self.file);
        match schedule {
            Some(s) => {
                let keep = file.schedules.get(profile_id).map(|e| e.last_run);
                file.schedules.insert(
                    profile_id.to_string(),
                    Entry {
                        schedule: s,
                        enabled_since: now,
                        last_run: keep.flatten(),
                    },
                );
            }
            None => {
                file.schedules.remove(profile_id);
            }
        }
        self.save(&file)
    }

    /// Every schedule, with its next check.
    pub fn list(&self, now: DateTime<FixedOffset>) -> Vec<ScheduleView> {
        lock(&self.file)
            .schedules
            .iter()
            .map(|(id, e)| ScheduleView {
                profile_id: id.clone(),
                schedule: e.schedule,
                description: e.schedule.describe(),
                last_run: e.last_run.map(|t| t.to_rfc3339()),
                next_run: match due(&e.schedule, e.last_run, e.enabled_since, now) {
                    Due::NotYet { next } => Some(next.to_rfc3339()),
                    Due::Now { .. } => None,
                },
            })
            .collect()
    }

    /// Whether any publisher has a schedule (the window then closes to the tray).
    pub fn any(&self) -> bool {
        !lock(&self.file).schedules.is_empty()
    }

    /// The checks due at `now`, each marked as run (and saved) before it is handed out. The
    /// recorded time is never later than `now`, so a clock set back later does not silence a
    /// schedule.
    pub fn take_due(&self, now: DateTime<FixedOffset>) -> Vec<DueCheck> {
        let mut file = lock(&self.file);
        let now_utc = now.with_timezone(&Utc);
        let mut out = Vec::new();
        for (id, e) in file.schedules.iter_mut() {
            if let Due::Now { missed, .. } = due(&e.schedule, e.last_run, e.enabled_since, now) {
                e.last_run = Some(now_utc);
                out.push(DueCheck {
                    profile_id: id.clone(),
                    schedule: e.schedule,
                    missed,
                });
            }
            // A time recorded in the future (the clock went back) is brought back to now.
            if e.enabled_since > now_utc {
                e.enabled_since = now_utc;
            }
            if e.last_run.is_some_and(|t| t > now_utc) {
                e.last_run = Some(now_utc);
            }
        }
        if !out.is_empty() {
            if let Err(e) = self.save(&file) {
                tracing::error!(error = %e, "the schedules' last runs were not saved");
            }
        }
        out
    }

    /// Forgets the schedule of a deleted profile.
    pub fn forget(&self, profile_id: &str) {
        let mut file = lock(&self.file);
        if file.schedules.remove(profile_id).is_some() {
            if let Err(e) = self.save(&file) {
                tracing::error!(error = %e, "the schedules were not saved");
            }
        }
    }

    /// `true` the first time it is asked (and remembered): the user is told once that closing
    /// the window keeps the app running in the tray.
    pub fn first_tray_notice(&self) -> bool {
        let mut file = lock(&self.file);
        if file.tray_notice_shown {
            return false;
        }
        file.tray_notice_shown = true;
        if let Err(e) = self.save(&file) {
            tracing::warn!(error = %e, "the tray notice was not remembered");
        }
        true
    }
}

/// The scheduler's period: [`SCHEDULER_TICK_ENV`] seconds when set (tests), else 20 s.
pub fn tick() -> Duration {
    let secs = std::env::var(SCHEDULER_TICK_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// Runs due checks until the app ends: looks every `period` (right away at start, so a slot
/// missed while the app was closed runs once now), one publisher after the other.
pub async fn run_scheduler<H: RunHost>(
    host: H,
    runs: Arc<RunManager>,
    schedules: Arc<Schedules>,
    period: Duration,
) {
    loop {
        for check in schedules.take_due(now_local()) {
            check_publisher(&host, &runs, &check).await;
        }
        tokio::time::sleep(period).await;
    }
}

/// One scheduled check: a find on every subscriber of the publisher, one at a time. The
/// check goes to the journal; a find that finds drift or fails, and a check that cannot list
/// the subscribers, raise a desktop notification.
pub async fn check_publisher<H: RunHost>(host: &H, runs: &Arc<RunManager>, check: &DueCheck) {
    let Ok(profile) = host.connections().profile(&check.profile_id) else {
        return;
    };
    let asked = format!(
        "Scheduled check ({}): find mismatches on every subscriber of {}",
        check.schedule.describe(),
        profile.name
    );
    let missed = (check.missed > 0).then(|| {
        format!(
            "{} missed while the app was closed; one check runs now",
            count(
                u64::from(check.missed),
                "scheduled check was",
                "scheduled checks were"
            )
        )
    });
    let listed = async {
        let client = host.connections().client(&check.profile_id).await?;
        Ok::<_, AppError>(client.subscribers().list().await?)
    }
    .await;
    let answer = match &listed {
        Ok(list) => JournalAnswer::accepted(None).with_message(format!(
            "{} to check",
            count(list.len() as u64, "subscriber", "subscribers")
        )),
        Err(e) => e.journal_answer(),
    };
    let mut entry =
        JournalEntry::new(JournalAction::ScheduleRun, asked, answer).with_profile(&profile);
    if let Some(m) = missed {
        entry = entry.with_detail(m);
    }
    runs.audit().record(entry);
    let subscribers = match listed {
        Ok(list) => list,
        Err(e) => {
            host.alert(
                &format!("Scheduled check of {} failed", profile.name),
                &e.to_string(),
            );
            return;
        }
    };
    for sub in subscribers {
        let name = sub
            .target_host
            .clone()
            .unwrap_or_else(|| sub.id_str().to_string());
        let Some(ended) = runs
            .find_to_the_end(host.clone(), &check.profile_id, sub.id_str())
            .await
        else {
            continue;
        };
        if let Some((title, body)) = alert_for(&profile.name, &name, ended.outcome.as_ref()) {
            host.alert(&title, &body);
        }
    }
}

/// The notification a scheduled find's outcome calls for: drift found, or the find failed;
/// nothing when in sync.
pub fn alert_for(
    publisher: &str,
    subscriber: &str,
    outcome: Option<&Outcome>,
) -> Option<(String, String)> {
    match outcome? {
        Outcome::MismatchesFound { rows } => Some((
            format!("Drift found on {subscriber}"),
            format!("{rows} mismatches between {publisher} and {subscriber} (scheduled check)"),
        )),
        Outcome::FindFailed { .. }
        | Outcome::Stuck { .. }
        | Outcome::Error { .. }
        | Outcome::Refused { .. } => Some((
            format!("Scheduled find failed on {subscriber}"),
            format!("The scheduled find of {publisher} on {subscriber} did not finish: see Runs"),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(3600)
            .unwrap()
            .with_ymd_and_hms(2026, 12, 1, h, m, 0)
            .unwrap()
    }

    #[test]
    fn a_schedule_is_kept_checked_once_per_slot_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let s = Schedules::in_data_dir(dir.path());
        assert!(!s.any());
        let daily = Schedule::Daily { hour: 2, minute: 0 };
        s.set("p1", Some(daily), at(1, 0).with_timezone(&Utc))
            .unwrap();
        assert!(s.any());
        assert!(s.take_due(at(1, 59)).is_empty());
        let due = s.take_due(at(2, 1));
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].profile_id.as_str(), due[0].missed), ("p1", 0));
        // Taken: not due again for that slot, also after a restart.
        assert!(s.take_due(at(2, 5)).is_empty());
        let again = Schedules::in_data_dir(dir.path());
        assert!(again.take_due(at(3, 0)).is_empty());
        let view = &again.list(at(3, 0))[0];
        assert_eq!(view.description, "Daily at 02:00");
        assert!(view.last_run.is_some() && view.next_run.is_some());
        // Removed: nothing runs.
        again.set("p1", None, Utc::now()).unwrap();
        assert!(!Schedules::in_data_dir(dir.path()).any());
    }

    #[test]
    fn slots_missed_while_closed_run_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = Schedules::in_data_dir(dir.path());
        s.set(
            "p1",
            Some(Schedule::Every { minutes: 15 }),
            at(1, 0).with_timezone(&Utc),
        )
        .unwrap();
        let due = s.take_due(at(2, 0));
        assert_eq!(due.len(), 1, "one check for four slots");
        assert_eq!(due[0].missed, 3);
        assert!(s.take_due(at(2, 0)).is_empty());
    }

    #[test]
    fn an_invalid_schedule_names_its_field_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = Schedules::in_data_dir(dir.path());
        let err = s
            .set(
                "p1",
                Some(Schedule::Daily {
                    hour: 24,
                    minute: 0,
                }),
                Utc::now(),
            )
            .unwrap_err();
        assert_eq!(err.field().as_deref(), Some("hour"));
        assert!(!s.any());
        assert!(!dir.path().join(SCHEDULES_FILE).exists());
    }

    #[test]
    fn a_damaged_schedules_file_is_moved_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SCHEDULES_FILE), "{not json").unwrap();
        let s = Schedules::in_data_dir(dir.path());
        assert!(!s.any());
        let kept: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("schedules.json.corrupt-"))
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
        s.set("p1", Some(Schedule::Every { minutes: 5 }), Utc::now())
            .unwrap();
        let moved = std::fs::read_to_string(dir.path().join(&kept[0])).unwrap();
        assert_eq!(moved, "{not json");
    }

    #[test]
    fn the_tray_notice_is_given_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = Schedules::in_data_dir(dir.path());
        assert!(s.first_tray_notice());
        assert!(!s.first_tray_notice());
        assert!(!Schedules::in_data_dir(dir.path()).first_tray_notice());
    }

    #[test]
    fn drift_and_failures_notify_in_sync_does_not() {
        let drift = alert_for(
            "Prod",
            "sub.example.com",
            Some(&Outcome::MismatchesFound { rows: 12 }),
        )
        .unwrap();
        assert_eq!(drift.0, "Drift found on sub.example.com");
        assert!(drift.1.contains("12 mismatches"));
        assert!(alert_for("Prod", "s", Some(&Outcome::ResyncFailed)).is_none());
        assert!(alert_for("Prod", "s", Some(&Outcome::InSync)).is_none());
        assert!(alert_for("Prod", "s", None).is_none());
        let failed = Outcome::Error {
            code: dx_staging::ErrorCode::Timeout,
            message: "timed out".into(),
            during: None,
        };
        assert!(alert_for("Prod", "s", Some(&failed))
            .unwrap()
            .0
            .contains("failed"));
    }
}
