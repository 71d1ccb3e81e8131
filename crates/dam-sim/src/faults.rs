//! Injected faults: latency, a share of 5xx answers, dropped connections, and one-shot job faults.
//! With a `seed`, which requests fail is the same on every run (a reproducible fault test).

use std::sync::Mutex;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// The status of an injected server error when `errorStatuses` is not given.
const DEFAULT_ERROR_STATUS: u16 = 503;

/// The fault settings, as `POST /sim/v1/faults` takes them (every field optional; absent fields
/// keep their current value).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FaultRequest {
    pub latency_ms: Option<u64>,
    pub error_rate: Option<f64>,
    /// The statuses injected errors answer with, picked at random (each 500–599).
    pub error_statuses: Option<Vec<u16>>,
    pub drop_rate: Option<f64>,
    /// Seeds the choice of failing requests (reproducible runs).
    pub seed: Option<u64>,
    pub fail_next_find: Option<bool>,
    pub stall_next_find: Option<bool>,
    pub fail_next_resync: Option<bool>,
    pub fail_sync_operations: Option<u64>,
}

/// The active faults.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FaultState {
    pub latency_ms: u64,
    pub error_rate: f64,
    pub error_statuses: Vec<u16>,
    pub drop_rate: f64,
    pub seed: Option<u64>,
    pub fail_next_find: bool,
    pub stall_next_find: bool,
    pub fail_next_resync: bool,
    pub fail_sync_operations: u64,
}

/// What to do with one incoming request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFault {
    None,
    /// Answer with this 5xx status.
    ServerError(u16),
    Drop,
}

/// The active faults, the operations doomed to fail, and the seeded random source (if any).
#[derive(Default)]
pub(crate) struct Faults(
    Mutex<FaultState>,
    Mutex<std::collections::HashSet<String>>,
    Mutex<Option<ChaCha8Rng>>,
);

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies a request; rates must be within 0..=1 (the error names the field).
    pub fn set(&self, r: FaultRequest) -> Result<FaultState, String> {
        for (name, v) in [("errorRate", r.error_rate), ("dropRate", r.drop_rate)] {
            if let Some(v) = v {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("{name} must be between 0 and 1, got {v}"));
                }
            }
        }
        if let Some(statuses) = &r.error_statuses {
            if let Some(bad) = statuses.iter().find(|c| !(500..=599).contains(*c)) {
                return Err(format!(
                    "errorStatuses must be server error statuses (500-599), got {bad}"
                ));
            }
        }
        let mut s = self.lock();
        if let Some(seed) = r.seed {
            s.seed = Some(seed);
            *self.2.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(ChaCha8Rng::seed_from_u64(seed));
        }
        if let Some(v) = r.error_statuses {
            s.error_statuses = v;
        }
        if let Some(v) = r.latency_ms {
            s.latency_ms = v;
        }
        if let Some(v) = r.error_rate {
            s.error_rate = v;
        }
        if let Some(v) = r.drop_rate {
            s.drop_rate = v;
        }
        if let Some(v) = r.fail_next_find {
            s.fail_next_find = v;
        }
        if let Some(v) = r.stall_next_find {
            s.stall_next_find = v;
        }
        if let Some(v) = r.fail_next_resync {
            s.fail_next_resync = v;
        }
        if let Some(v) = r.fail_sync_operations {
            s.fail_sync_operations = v;
        }
        Ok(s.clone())
    }

    pub fn clear(&self) {
        *self.lock() = FaultState::default();
        self.1.lock().unwrap_or_else(|p| p.into_inner()).clear();
        *self.2.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub fn snapshot(&self) -> FaultState {
        self.lock().clone()
    }

    /// The latency to add and the fault (if any) for one request.
    pub fn for_request(&self) -> (Duration, RequestFault) {
        let s = self.lock();
        let latency = Duration::from_millis(s.latency_ms);
        if s.drop_rate == 0.0 && s.error_rate == 0.0 {
            return (latency, RequestFault::None);
        }
        let mut seeded = self.2.lock().unwrap_or_else(|p| p.into_inner());
        let mut roll = |n: usize| -> (f64, usize) {
            match seeded.as_mut() {
                Some(rng) => (rng.gen(), rng.gen_range(0..n.max(1))),
                None => {
                    let mut rng = rand::thread_rng();
                    (rng.gen(), rng.gen_range(0..n.max(1)))
                }
            }
        };
        let (p, pick) = roll(s.error_statuses.len());
        let fault = if p < s.drop_rate {
            RequestFault::Drop
        } else if p < s.drop_rate + s.error_rate {
            RequestFault::ServerError(
                s.error_statuses
                    .get(pick)
                    .copied()
                    .unwrap_or(DEFAULT_ERROR_STATUS),
            )
        } else {
            RequestFault::None
        };
        (latency, fault)
    }

    pub fn take_fail_next_find(&self) -> bool {
        std::mem::take(&mut self.lock().fail_next_find)
    }
    pub fn take_stall_next_find(&self) -> bool {
        std::mem::take(&mut self.lock().stall_next_find)
    }
    pub fn take_fail_next_resync(&self) -> bool {
        std::mem::take(&mut self.lock().fail_next_resync)
    }
    /// True if this attempt of sync operation `op_id` is to fail: an operation picked by
    /// `failSyncOperations` fails every attempt (and so ends `FAILED`).
    pub fn sync_attempt_fails(&self, op_id: &str) -> bool {
        let mut doomed = self.1.lock().unwrap_or_else(|p| p.into_inner());
        if doomed.contains(op_id) {
            return true;
        }
        let mut s = self.lock();
        if s.fail_sync_operations > 0 {
            s.fail_sync_operations -= 1;
            doomed.insert(op_id.to_string());
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_rates_out_of_range_and_consumes_one_shots() {
        let f = Faults::default();
        let e = f
            .set(FaultRequest {
                error_rate: Some(1.5),
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.contains("errorRate"));
        f.set(FaultRequest {
            fail_next_find: Some(true),
            error_rate: Some(1.0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.for_request().1, RequestFault::ServerError(503));
        assert!(f.take_fail_next_find());
        assert!(!f.take_fail_next_find());
        f.clear();
        assert_eq!(f.for_request().1, RequestFault::None);
    }

    #[test]
    fn a_seed_makes_the_same_requests_fail_with_the_given_statuses() {
        let pattern = || {
            let f = Faults::default();
            f.set(FaultRequest {
                error_rate: Some(0.3),
                error_statuses: Some(vec![500, 502, 503, 504]),
                seed: Some(7),
                ..Default::default()
            })
            .unwrap();
            (0..200).map(|_| f.for_request().1).collect::<Vec<_>>()
        };
        let a = pattern();
        assert_eq!(a, pattern());
        let failed = a.iter().filter(|x| **x != RequestFault::None).count();
        assert!((30..=90).contains(&failed), "{failed} of 200");
        for code in [500, 502, 503, 504] {
            assert!(
                a.contains(&RequestFault::ServerError(code)),
                "{code} never picked"
            );
        }
        let e = Faults::default()
            .set(FaultRequest {
                error_statuses: Some(vec![404]),
                ..Default::default()
            })
            .unwrap_err();
        assert!(e.contains("errorStatuses"), "{e}");
    }
}
