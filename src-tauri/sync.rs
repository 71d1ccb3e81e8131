//! The two ways the shell waits: on a lock shared between commands, and on blocking work
//! (keyring calls, report files) moved off the async runtime.

use std::sync::{Mutex, MutexGuard};

use crate::error::{AppError, AppResult};

/// Locks `m`; a lock poisoned by a panicking holder still yields its data (every critical
/// section in the shell leaves its data whole).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs blocking `f` on the blocking pool. A task that ends without an answer (it panicked)
/// is [`AppError::TaskFailed`] naming `task` (`"keyring call"`, `"report task"`).
pub async fn blocking<T: Send + 'static>(
    task: &'static str,
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::TaskFailed {
            task,
            detail: e.to_string(),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_a_task_failed_error_naming_the_task() {
        let e = blocking::<()>("keyring call", || panic!("boom"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "task_failed");
        assert!(e.to_string().contains("keyring call"), "{e}");
        assert_eq!(blocking("x", || Ok(7)).await.unwrap(), 7);
    }

    #[test]
    fn a_poisoned_lock_still_yields_its_data() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert!(m.is_poisoned());
        assert_eq!(*lock(&m), 1);
    }
}
