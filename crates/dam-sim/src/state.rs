//! The shared state of one running environment.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Auth;
use crate::config::EnvConfig;
use crate::db::Db;
use crate::faults::Faults;
use crate::peer::Peers;
use crate::records::RecordType;

/// Request and trigger counters (since start).
#[derive(Default)]
pub(crate) struct Stats {
    pub requests: AtomicU64,
    pub find_triggers: AtomicU64,
    pub resync_triggers: AtomicU64,
    pub sync_operations_done: AtomicU64,
    pub sync_operations_failed: AtomicU64,
    /// Staging cycles that ended `SUCCESS` / `FAILED` (`initiateNextSync`).
    pub cycles: AtomicU64,
    pub cycles_failed: AtomicU64,
}

/// The periodic staging state of one subscriber (in memory: after a restart the first cycle
/// comes one cycle length after the start).
pub(crate) struct CycleSlot {
    /// When the last cycle ended (or the scheduler first saw the subscriber).
    pub last: tokio::time::Instant,
    /// The running cycle, if any.
    pub running: Option<CancellationToken>,
    /// Cycles run since start.
    pub count: u64,
}

/// Periodic staging settings changeable at runtime (`/sim/v1/cycles`), and the slots.
pub(crate) struct Cycles {
    pub enabled: AtomicBool,
    pub sync_operations: AtomicUsize,
    pub slots: Mutex<HashMap<String, CycleSlot>>,
}

/// Everything the handlers, jobs and the worker of one environment share.
pub(crate) struct Env {
    pub cfg: EnvConfig,
    pub db: Db,
    pub url: String,
    pub auth: Auth,
    pub faults: Faults,
    pub stats: Stats,
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    pub peers: Peers,
    /// Subscriber ids with a find or resync job running, with the token that stops the job.
    pub busy: Mutex<HashMap<String, CancellationToken>>,
    /// Per record type: the offset after the last range-hash answer and the last id in it,
    /// so the next consecutive window is a key seek instead of an OFFSET scan.
    pub hash_cursor: Mutex<HashMap<RecordType, (u64, String)>>,
    /// Wakes the operation worker when operations were created.
    pub worker_wake: Notify,
    /// Periodic staging.
    pub cycles: Cycles,
}

pub(crate) type SharedEnv = Arc<Env>;

impl Env {
    fn busy_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a subscriber busy; `None` if a job already runs for it. The token (a child of
    /// the environment's shutdown token) stops the job when the subscriber is deregistered.
    pub fn try_busy(&self, subscriber_id: &str) -> Option<CancellationToken> {
        let mut map = self.busy_map();
        if map.contains_key(subscriber_id) {
            return None;
        }
        let t = self.cancel.child_token();
        map.insert(subscriber_id.to_string(), t.clone());
        Some(t)
    }

    /// Ends the busy mark (the job finished).
    pub fn release(&self, subscriber_id: &str) {
        self.busy_map().remove(subscriber_id);
    }

    /// Stops the job of a subscriber, if any, and its staging cycle (it was deregistered).
    pub fn stop_job(&self, subscriber_id: &str) {
        if let Some(t) = self.busy_map().remove(subscriber_id) {
            t.cancel();
        }
        let slot = self
            .cycles
            .slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(subscriber_id);
        if let Some(t) = slot.and_then(|s| s.running) {
            t.cancel();
        }
    }
}
