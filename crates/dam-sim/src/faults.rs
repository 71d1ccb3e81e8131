//! Injected faults: latency, a share of 5xx answers, dropped connections, and one-shot job faults.

use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;

/// The fault settings, as `POST /sim/v1/faults` takes them (every field optional; absent fields
/// keep their current value).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FaultRequest {
    pub latency_ms: Option<u64>,
    pub error_rate: Option<f64>,
    pub drop_rate: Option<f64>,
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
    pub drop_rate: f64,
    pub fail_next_find: bool,
    pub stall_next_find: bool,
    pub fail_next_resync: bool,
    pub fail_sync_operations: u64,
}

/// What to do with one incoming request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFault {
    None,
    ServerError,
    Drop,
}

#[derive(Default)]
pub(crate) struct Faults(Mutex<FaultState>, Mutex<std::collections::HashSet<String>>);

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
        let mut s = self.lock();
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
    }

    pub fn snapshot(&self) -> FaultState {
        self.lock().clone()
    }

    /// The latency to add and the fault (if any) for one request.
    pub fn for_request(&self) -> (Duration, RequestFault) {
        let s = self.lock();
        let latency = Duration::from_millis(s.latency_ms);
        let roll: f64 = rand::random();
        let fault = if roll < s.drop_rate {
            RequestFault::Drop
        } else if roll < s.drop_rate + s.error_rate {
            RequestFault::ServerError
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
        assert_eq!(f.for_request().1, RequestFault::ServerError);
        assert!(f.take_fail_next_find());
        assert!(!f.take_fail_next_find());
        f.clear();
        assert_eq!(f.for_request().1, RequestFault::None);
    }
}
