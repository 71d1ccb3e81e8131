//! Optional checks on a schedule, per publisher connection: when the next one is due, and what
//! to do about the ones missed while the app was closed.
//!
//! **A schedule only ever runs finds.** A scheduled check triggers a find (and fetches its
//! report); it never starts a resync and never deletes anything (no mismatch logs, no reports).
//! Resyncs and deletions always need the user.
//!
//! Pure: no I/O and no clock. The current time always arrives as a parameter, with the UTC
//! offset to read wall-clock times in (`DateTime<FixedOffset>`); the app passes the machine's
//! current local offset. With a fixed offset daylight saving time is not a concern here: a
//! daily 02:00 is 02:00 in the offset passed, and after a DST change the app simply passes the
//! new offset.
//!
//! Several publishers may be due at once; their checks go one publisher at a time
//! ([`ScheduleQueue`]). The app's runner also serialises the runs of each publisher
//! ([`crate::workflow::turns`]), so a scheduled find never overlaps another run of the same
//! publisher: it waits its turn.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// Seconds in a day.
const DAY_SECS: i64 = 24 * 60 * 60;

/// The longest period of [`Schedule::Every`]: a week, in minutes.
pub const MAX_EVERY_MINUTES: u32 = 7 * 24 * 60;

/// When a publisher's checks (finds) run.
///
/// Slots are wall-clock times in the UTC offset passed with the time (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Schedule {
    /// Once a day at this local time.
    Daily {
        /// Hour, 0–23.
        hour: u8,
        /// Minute, 0–59.
        minute: u8,
    },
    /// Every so many minutes (1 to [`MAX_EVERY_MINUTES`]). Slots are the multiples of the
    /// period counted from local midnight of 1970-01-01, so a period that divides a day lands
    /// on round local times: every 15 minutes is :00, :15, :30 and :45; every 60 minutes is on
    /// the hour.
    Every {
        /// The period in minutes.
        minutes: u32,
    },
}

/// A [`Schedule`] value out of range; [`ScheduleError::field`] names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// `hour` is not 0–23.
    #[error("The hour must be 0 to 23, not {0}.")]
    Hour(u8),
    /// `minute` is not 0–59.
    #[error("The minute must be 0 to 59, not {0}.")]
    Minute(u8),
    /// `minutes` is not 1–10080 (a week).
    #[error("The period must be 1 to 10080 minutes (a week), not {0}.")]
    Minutes(u32),
}

impl ScheduleError {
    /// The field concerned.
    pub fn field(&self) -> ScheduleField {
        match self {
            ScheduleError::Hour(_) => ScheduleField::Hour,
            ScheduleError::Minute(_) => ScheduleField::Minute,
            ScheduleError::Minutes(_) => ScheduleField::Minutes,
        }
    }
}

/// A field of a [`Schedule`], as serialised: `hour`, `minute` or `minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleField {
    /// `hour` of [`Schedule::Daily`].
    Hour,
    /// `minute` of [`Schedule::Daily`].
    Minute,
    /// `minutes` of [`Schedule::Every`].
    Minutes,
}

impl ScheduleField {
    /// The field's name as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleField::Hour => "hour",
            ScheduleField::Minute => "minute",
            ScheduleField::Minutes => "minutes",
        }
    }
}

impl std::fmt::Display for ScheduleField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Schedule {
    /// Checks every field's range: hour 0–23, minute 0–59, minutes 1–10080.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match *self {
            Schedule::Daily { hour, .. } if hour > 23 => Err(ScheduleError::Hour(hour)),
            Schedule::Daily { minute, .. } if minute > 59 => Err(ScheduleError::Minute(minute)),
            Schedule::Every { minutes } if !(1..=MAX_EVERY_MINUTES).contains(&minutes) => {
                Err(ScheduleError::Minutes(minutes))
            }
            _ => Ok(()),
        }
    }

    /// The schedule in words: "Daily at 02:00", "Every 15 minutes", "Every minute".
    pub fn describe(&self) -> String {
        match *self {
            Schedule::Daily { hour, minute } => format!("Daily at {hour:02}:{minute:02}"),
            Schedule::Every { minutes: 1 } => "Every minute".to_string(),
            Schedule::Every { minutes } => format!("Every {minutes} minutes"),
        }
    }

    /// The time between two slots: a day, or the period. Values out of range are clamped (as
    /// in every computation here, so nothing panics); call [`Schedule::validate`] first.
    pub fn period(&self) -> Duration {
        Duration::seconds(self.period_and_phase().0)
    }

    /// The first slot strictly after `t`, in `t`'s offset.
    pub fn next_after(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        self.slot(self.index_at_or_before(t) + 1, *t.offset())
    }

    /// The most recent slot at or before `t`, in `t`'s offset.
    pub fn last_at_or_before(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        self.slot(self.index_at_or_before(t), *t.offset())
    }

    /// Period and phase (offset of the slots within a period) in seconds, clamped into range.
    fn period_and_phase(&self) -> (i64, i64) {
        match *self {
            Schedule::Daily { hour, minute } => (
                DAY_SECS,
                i64::from(hour.min(23)) * 3600 + i64::from(minute.min(59)) * 60,
            ),
            Schedule::Every { minutes } => (i64::from(minutes.clamp(1, MAX_EVERY_MINUTES)) * 60, 0),
        }
    }

    /// The number of the last slot at or before `t`: slot `k` is at local second
    /// `k × period + phase`.
    fn index_at_or_before(&self, t: DateTime<FixedOffset>) -> i64 {
        let (period, phase) = self.period_and_phase();
        let local = t.naive_local().and_utc().timestamp();
        (local - phase).div_euclid(period)
    }

    /// Slot number `k` as a time in `offset`.
    fn slot(&self, k: i64, offset: FixedOffset) -> DateTime<FixedOffset> {
        let (period, phase) = self.period_and_phase();
        let utc = k * period + phase - i64::from(offset.local_minus_utc());
        DateTime::from_timestamp(utc, 0)
            .expect("a slot within a week of a valid time is in chrono's range")
            .with_timezone(&offset)
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Whether a scheduled check is due ([`due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Due {
    /// Nothing to run now.
    NotYet {
        /// The next slot, when the check will be due (unless the schedule or its last run
        /// changes meanwhile).
        #[specta(type = String)]
        next: DateTime<Utc>,
    },
    /// Run one check now.
    Now {
        /// The most recent slot, at or before now: the one this check stands for.
        #[specta(type = String)]
        slot: DateTime<Utc>,
        /// Earlier slots that passed without a check (the machine or the app was off) and are
        /// skipped: they are not run one by one, this single check covers them. 0 when the
        /// check runs for its own slot only.
        missed: u32,
    },
}

/// Whether a publisher's scheduled check is due at `now`.
///
/// The rules:
///
/// - The baseline is the last run, or `enabled_since` when it never ran or ran before the
///   schedule was (re-)enabled: a slot at or before `enabled_since` never counts, neither as due
///   nor as missed.
/// - The check is due when at least one slot lies in `(baseline, now]`: the most recent slot at
///   or before `now` is strictly after the baseline. A run or an enabling exactly at a slot time
///   covers that slot.
/// - Missed runs run **once**: with `n` slots in `(baseline, now]`, the answer is
///   `Now { slot: <the most recent of them>, missed: n − 1 }`. Say daily at 02:00, last run on
///   Monday at 02:00 and the app closed until Thursday 09:00: the slots of Tuesday, Wednesday and
///   Thursday passed, so one check runs now for Thursday's slot with `missed = 2` ("2 earlier
///   checks were skipped while the app was closed; one check runs now"). After recording that
///   run, the answer is `NotYet` until Friday 02:00.
/// - A baseline after `now` (the clock went back since the last run or the enabling) counts as
///   `now`: `NotYet { next: <the first slot after now> }`, never a burst. That answer is
///   computed afresh on every call, so the scheduler should also store `min(last_run, now)` (and
///   `min(enabled_since, now)`) in place of the future time; otherwise the schedule stays quiet
///   until the clock passes the stored time again.
///
/// `now` carries the local offset the slots are read in (see the module doc).
pub fn due(
    schedule: &Schedule,
    last_run: Option<DateTime<Utc>>,
    enabled_since: DateTime<Utc>,
    now: DateTime<FixedOffset>,
) -> Due {
    let offset = *now.offset();
    let now_utc = now.with_timezone(&Utc);
    let baseline = last_run
        .map_or(enabled_since, |run| run.max(enabled_since))
        .min(now_utc);
    let slots = schedule.index_at_or_before(now)
        - schedule.index_at_or_before(baseline.with_timezone(&offset));
    if slots <= 0 {
        Due::NotYet {
            next: schedule.next_after(now).with_timezone(&Utc),
        }
    } else {
        Due::Now {
            slot: schedule.last_at_or_before(now).with_timezone(&Utc),
            missed: u32::try_from(slots - 1).unwrap_or(u32::MAX),
        }
    }
}

/// The scheduler's queue: publishers whose check is due wait here and start one at a time, in
/// the order they became due.
///
/// A publisher is in the queue at most once (waiting or running), so a check that is still due
/// on the next tick is not queued twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleQueue {
    waiting: VecDeque<String>,
    running: Option<String>,
}

impl ScheduleQueue {
    /// An empty queue.
    pub fn new() -> ScheduleQueue {
        ScheduleQueue::default()
    }

    /// Queues a publisher's check. False (and no change) when it is already waiting or running.
    pub fn enqueue(&mut self, publisher_id: &str) -> bool {
        if self.contains(publisher_id) {
            return false;
        }
        self.waiting.push_back(publisher_id.to_string());
        true
    }

    /// The next publisher whose check starts now, marked running; `None` while a check runs or
    /// when none waits.
    pub fn start_next(&mut self) -> Option<String> {
        if self.running.is_some() {
            return None;
        }
        let next = self.waiting.pop_front()?;
        self.running = Some(next.clone());
        Some(next)
    }

    /// The running check of this publisher ended (whatever its outcome), or its waiting check
    /// was dropped (say the schedule was turned off). False when it was in neither place.
    pub fn finish(&mut self, publisher_id: &str) -> bool {
        if self.running.as_deref() == Some(publisher_id) {
            self.running = None;
            return true;
        }
        let before = self.waiting.len();
        self.waiting.retain(|p| p != publisher_id);
        self.waiting.len() != before
    }

    /// The publisher whose check runs, if any.
    pub fn running(&self) -> Option<&str> {
        self.running.as_deref()
    }

    /// The publishers waiting, first to start first.
    pub fn waiting(&self) -> impl Iterator<Item = &str> {
        self.waiting.iter().map(String::as_str)
    }

    /// Whether the publisher is waiting or running.
    pub fn contains(&self, publisher_id: &str) -> bool {
        self.running.as_deref() == Some(publisher_id)
            || self.waiting.iter().any(|p| p == publisher_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central European Time, UTC+1.
    fn cet() -> FixedOffset {
        FixedOffset::east_opt(3600).unwrap()
    }

    /// A local time in UTC+1: `at(d, h, m)` is 2024-03-d h:m.
    fn at(day: u32, hour: u32, minute: u32) -> DateTime<FixedOffset> {
        at_s(day, hour, minute, 0)
    }

    fn at_s(day: u32, hour: u32, minute: u32, second: u32) -> DateTime<FixedOffset> {
        use chrono::TimeZone;
        cet()
            .with_ymd_and_hms(2024, 3, day, hour, minute, second)
            .unwrap()
    }

    fn utc(t: DateTime<FixedOffset>) -> DateTime<Utc> {
        t.with_timezone(&Utc)
    }

    const TWO_AM: Schedule = Schedule::Daily { hour: 2, minute: 0 };

    #[test]
    fn validate_names_the_field() {
        assert_eq!(TWO_AM.validate(), Ok(()));
        assert_eq!(
            Schedule::Daily {
                hour: 23,
                minute: 59
            }
            .validate(),
            Ok(())
        );
        let e = Schedule::Daily {
            hour: 24,
            minute: 0,
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            (e, e.field()),
            (ScheduleError::Hour(24), ScheduleField::Hour)
        );
        let e = Schedule::Daily {
            hour: 0,
            minute: 60,
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            (e, e.field()),
            (ScheduleError::Minute(60), ScheduleField::Minute)
        );
        let e = Schedule::Every { minutes: 0 }.validate().unwrap_err();
        assert_eq!(
            (e, e.field()),
            (ScheduleError::Minutes(0), ScheduleField::Minutes)
        );
        for f in [
            ScheduleField::Hour,
            ScheduleField::Minute,
            ScheduleField::Minutes,
        ] {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
        assert!(Schedule::Every { minutes: 10081 }.validate().is_err());
        assert_eq!(Schedule::Every { minutes: 1 }.validate(), Ok(()));
        assert_eq!(Schedule::Every { minutes: 10080 }.validate(), Ok(()));
        assert!(e.to_string().contains("not 0"));
    }

    #[test]
    fn describes_in_words() {
        assert_eq!(TWO_AM.describe(), "Daily at 02:00");
        assert_eq!(
            Schedule::Daily {
                hour: 14,
                minute: 5
            }
            .to_string(),
            "Daily at 14:05"
        );
        assert_eq!(
            Schedule::Every { minutes: 15 }.describe(),
            "Every 15 minutes"
        );
        assert_eq!(Schedule::Every { minutes: 1 }.describe(), "Every minute");
    }

    #[test]
    fn serde_shape_is_tagged_camel_case() {
        let json = serde_json::to_value(TWO_AM).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "daily", "hour": 2, "minute": 0})
        );
        let every: Schedule =
            serde_json::from_value(serde_json::json!({"kind": "every", "minutes": 15})).unwrap();
        assert_eq!(every, Schedule::Every { minutes: 15 });
        let due = Due::Now {
            slot: utc(at(5, 2, 0)),
            missed: 2,
        };
        assert_eq!(
            serde_json::to_value(due).unwrap(),
            serde_json::json!({"kind": "now", "slot": "2024-03-05T01:00:00Z", "missed": 2})
        );
    }

    #[test]
    fn next_after_is_strictly_after() {
        assert_eq!(TWO_AM.next_after(at(5, 1, 59)), at(5, 2, 0));
        assert_eq!(TWO_AM.next_after(at(5, 2, 0)), at(6, 2, 0));
        assert_eq!(TWO_AM.next_after(at_s(5, 1, 59, 59)), at(5, 2, 0));
        assert_eq!(TWO_AM.next_after(at(5, 23, 0)), at(6, 2, 0));
        // The slot is local: 02:00 in UTC+1 is 01:00 UTC.
        assert_eq!(
            utc(TWO_AM.next_after(at(5, 0, 0))).to_rfc3339(),
            "2024-03-05T01:00:00+00:00"
        );
        let every15 = Schedule::Every { minutes: 15 };
        assert_eq!(every15.next_after(at(5, 10, 7)), at(5, 10, 15));
        assert_eq!(every15.next_after(at(5, 10, 15)), at(5, 10, 30));
        assert_eq!(every15.next_after(at(5, 23, 50)), at(6, 0, 0));
        assert_eq!(every15.last_at_or_before(at(5, 10, 15)), at(5, 10, 15));
        assert_eq!(
            Schedule::Every { minutes: 60 }.next_after(at(5, 10, 7)),
            at(5, 11, 0)
        );
        assert_eq!(TWO_AM.period(), Duration::days(1));
    }

    #[test]
    fn same_wall_clock_time_in_another_offset() {
        let ist = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        let t = at(5, 12, 0).with_timezone(&ist); // 16:30 in UTC+5:30
        let next = TWO_AM.next_after(t);
        assert_eq!(next.offset(), &ist);
        assert_eq!(next.naive_local().to_string(), "2024-03-06 02:00:00");
    }

    #[test]
    fn daily_off_for_three_days_runs_once_with_missed_count() {
        let monday_run = utc(at(4, 2, 0));
        let enabled = utc(at(1, 12, 0));
        // Closed from Monday after the run until Thursday 09:00: Tue, Wed, Thu slots passed.
        let now = at(7, 9, 0);
        assert_eq!(
            due(&TWO_AM, Some(monday_run), enabled, now),
            Due::Now {
                slot: utc(at(7, 2, 0)),
                missed: 2
            }
        );
        // The check ran at 09:00:30; due again only at Friday 02:00.
        let ran = utc(at_s(7, 9, 0, 30));
        for now in [at(7, 9, 1), at(7, 23, 59), at_s(8, 1, 59, 59)] {
            assert_eq!(
                due(&TWO_AM, Some(ran), enabled, now),
                Due::NotYet {
                    next: utc(at(8, 2, 0))
                }
            );
        }
        assert_eq!(
            due(&TWO_AM, Some(ran), enabled, at(8, 2, 0)),
            Due::Now {
                slot: utc(at(8, 2, 0)),
                missed: 0
            }
        );
    }

    #[test]
    fn on_time_run_misses_nothing() {
        let enabled = utc(at(1, 12, 0));
        let run = utc(at(4, 2, 0));
        assert_eq!(
            due(&TWO_AM, Some(run), enabled, at_s(5, 2, 0, 1)),
            Due::Now {
                slot: utc(at(5, 2, 0)),
                missed: 0
            }
        );
        // A run exactly at the slot covers it.
        assert_eq!(
            due(&TWO_AM, Some(utc(at(5, 2, 0))), enabled, at(5, 2, 0)),
            Due::NotYet {
                next: utc(at(6, 2, 0))
            }
        );
    }

    #[test]
    fn every_minute() {
        let every = Schedule::Every { minutes: 1 };
        let enabled = utc(at_s(5, 10, 0, 20));
        assert_eq!(
            due(&every, None, enabled, at_s(5, 10, 0, 40)),
            Due::NotYet {
                next: utc(at(5, 10, 1))
            }
        );
        assert_eq!(
            due(&every, None, enabled, at_s(5, 10, 1, 0)),
            Due::Now {
                slot: utc(at(5, 10, 1)),
                missed: 0
            }
        );
        let ran = utc(at_s(5, 10, 1, 2));
        assert_eq!(
            due(&every, Some(ran), enabled, at_s(5, 10, 1, 50)),
            Due::NotYet {
                next: utc(at(5, 10, 2))
            }
        );
        // Asleep for 10 minutes: slots 10:02 … 10:11, one check, 9 skipped.
        assert_eq!(
            due(&every, Some(ran), enabled, at_s(5, 10, 11, 30)),
            Due::Now {
                slot: utc(at(5, 10, 11)),
                missed: 9
            }
        );
    }

    #[test]
    fn enabling_just_before_or_after_the_slot() {
        // Enabled at 01:59: the 02:00 slot counts.
        assert_eq!(
            due(&TWO_AM, None, utc(at(5, 1, 59)), at_s(5, 2, 0, 5)),
            Due::Now {
                slot: utc(at(5, 2, 0)),
                missed: 0
            }
        );
        // Enabled at 02:01: the 02:00 slot was before, not due and not missed.
        assert_eq!(
            due(&TWO_AM, None, utc(at(5, 2, 1)), at(5, 2, 5)),
            Due::NotYet {
                next: utc(at(6, 2, 0))
            }
        );
        // Enabled exactly at 02:00: that slot does not count.
        assert_eq!(
            due(&TWO_AM, None, utc(at(5, 2, 0)), at(5, 2, 0)),
            Due::NotYet {
                next: utc(at(6, 2, 0))
            }
        );
        // Enabled at 02:01 and the app closed for two days: slots before enabling never count.
        assert_eq!(
            due(&TWO_AM, None, utc(at(5, 2, 1)), at(7, 8, 0)),
            Due::Now {
                slot: utc(at(7, 2, 0)),
                missed: 1
            }
        );
    }

    #[test]
    fn re_enabling_after_an_old_run_does_not_count_the_disabled_time() {
        let old_run = utc(at(1, 2, 0));
        let re_enabled = utc(at(6, 12, 0));
        assert_eq!(
            due(&TWO_AM, Some(old_run), re_enabled, at(6, 13, 0)),
            Due::NotYet {
                next: utc(at(7, 2, 0))
            }
        );
        assert_eq!(
            due(&TWO_AM, Some(old_run), re_enabled, at(7, 2, 30)),
            Due::Now {
                slot: utc(at(7, 2, 0)),
                missed: 0
            }
        );
    }

    #[test]
    fn last_run_in_the_future_is_not_a_burst() {
        let enabled = utc(at(1, 12, 0));
        // The last run was recorded on the 8th; the clock went back to the 5th.
        let future_run = utc(at(8, 2, 0));
        let now = at(5, 9, 0);
        assert_eq!(
            due(&TWO_AM, Some(future_run), enabled, now),
            Due::NotYet {
                next: utc(at(6, 2, 0))
            }
        );
        let every = Schedule::Every { minutes: 1 };
        assert_eq!(
            due(&every, Some(future_run), enabled, now),
            Due::NotYet {
                next: utc(at(5, 9, 1))
            }
        );
        // Stored as min(last_run, now), the schedule resumes at the next slot.
        let stored = future_run.min(utc(now));
        assert_eq!(
            due(&TWO_AM, Some(stored), enabled, at(6, 2, 0)),
            Due::Now {
                slot: utc(at(6, 2, 0)),
                missed: 0
            }
        );
        // Enabled "in the future" behaves the same.
        assert_eq!(
            due(&TWO_AM, None, utc(at(9, 0, 0)), now),
            Due::NotYet {
                next: utc(at(6, 2, 0))
            }
        );
    }

    #[test]
    fn invalid_values_are_clamped_not_panicking() {
        let t = at(5, 10, 0);
        assert_eq!(Schedule::Every { minutes: 0 }.next_after(t), at(5, 10, 1));
        assert_eq!(
            Schedule::Daily {
                hour: 99,
                minute: 99
            }
            .next_after(t),
            at(5, 23, 59)
        );
    }

    #[test]
    fn queue_runs_one_publisher_at_a_time() {
        let mut q = ScheduleQueue::new();
        assert!(q.enqueue("pub-a"));
        assert!(q.enqueue("pub-b"));
        assert!(!q.enqueue("pub-a"));
        assert_eq!(q.start_next().as_deref(), Some("pub-a"));
        assert_eq!(q.start_next(), None, "pub-a still runs");
        assert!(!q.enqueue("pub-a"), "running counts as queued");
        assert!(q.enqueue("pub-c"));
        assert_eq!(q.waiting().collect::<Vec<_>>(), ["pub-b", "pub-c"]);
        assert!(q.finish("pub-a"));
        assert_eq!(q.running(), None);
        assert_eq!(q.start_next().as_deref(), Some("pub-b"));
        assert!(q.finish("pub-c"), "a waiting check can be dropped");
        assert!(!q.finish("pub-z"));
        assert!(q.finish("pub-b"));
        assert_eq!(q.start_next(), None);
        assert!(!q.contains("pub-a"));
    }
}
