//! Passwords: the OS keyring (service = the app identifier, account = the profile id), with an
//! in-memory fallback when no keyring can be used. Nothing here ever writes a secret to a file.

use std::collections::HashMap;
use std::sync::Mutex;

use dx_staging::Secret;

use crate::error::{AppError, AppResult};
use crate::sync::lock;

/// Where a password ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PasswordPlace {
    /// In the OS keyring.
    Keyring,
    /// In this process's memory only (no keyring, or a demo profile).
    Memory,
    /// Nowhere: the user must enter it.
    None,
}

/// The keyring's state as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyringStatus {
    /// Whether the OS keyring works.
    pub available: bool,
    /// When it does not: why, in plain words.
    pub reason: Option<String>,
}

/// Classifies a keyring failure. `None` means the keyring works but refused this one call.
///
/// The three ways it fails on Linux: no D-Bus session bus, a bus but no Secret Service
/// (`org.freedesktop.secrets was not provided`), and a locked keyring that waits for a prompt
/// (`NoStorageAccess`).
pub fn unavailable_reason(err: &keyring::Error) -> Option<String> {
    match err {
        keyring::Error::NoStorageAccess(e) => Some(format!(
            "the keyring is locked and cannot be unlocked here ({e}); unlock it (log in to the desktop session) and restart the app"
        )),
        keyring::Error::PlatformFailure(e) => Some(describe_platform_failure(&e.to_string())),
        _ => None,
    }
}

fn describe_platform_failure(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if lower.contains("org.freedesktop.secrets") || lower.contains("serviceunknown") {
        format!(
            "no Secret Service is running (install and start gnome-keyring or KeePassXC): {text}"
        )
    } else if lower.contains("dbus") || lower.contains("d-bus") || lower.contains("bus") {
        format!("no D-Bus session bus to reach the keyring: {text}")
    } else {
        format!("the keyring service failed: {text}")
    }
}

/// What to tell the user when the keyring refuses one call. The limits are Windows Credential
/// Manager's (the keyring crate checks them before calling it): a secret of at most 2,560 bytes,
/// stored as UTF-16 (so 1,280 characters of the Basic Multilingual Plane), and an account (the
/// profile id) of at most 513 characters. Keychain (macOS) and Secret Service (Linux) have no
/// such small limits, so a password saved on one system may not fit on another.
pub fn refusal_detail(err: &keyring::Error) -> String {
    match err {
        keyring::Error::TooLong(attr, limit) if attr == "password" || attr == "secret" => format!(
            "the password is too long for Windows Credential Manager, which keeps at most {limit} bytes ({} characters); use a shorter password",
            limit / 2
        ),
        keyring::Error::TooLong(attr, limit) => format!(
            "the profile's {attr} is longer than the keyring allows ({limit} characters)"
        ),
        other => other.to_string(),
    }
}

/// Stores and reads passwords by profile id.
pub struct Secrets {
    service: String,
    /// Passwords kept in memory: demo profiles, and every profile while no keyring works.
    memory: Mutex<HashMap<String, Secret>>,
    /// The last reason the keyring could not be used (None while it works).
    unavailable: Mutex<Option<String>>,
    use_os_keyring: bool,
}

impl Secrets {
    /// Passwords under `service` (the app identifier) in the OS keyring.
    pub fn new(service: impl Into<String>) -> Self {
        Secrets {
            service: service.into(),
            memory: Mutex::new(HashMap::new()),
            unavailable: Mutex::new(None),
            use_os_keyring: true,
        }
    }

    /// Passwords in memory only (tests of code that does not concern the keyring).
    pub fn memory_only() -> Self {
        Secrets {
            use_os_keyring: false,
            ..Secrets::new("memory")
        }
    }

    /// Whether the OS keyring works, checked with a harmless read.
    pub fn status(&self) -> KeyringStatus {
        if !self.use_os_keyring {
            return KeyringStatus {
                available: false,
                reason: Some("the keyring is not used in this mode".into()),
            };
        }
        let probe = keyring::Entry::new(&self.service, "__probe__").and_then(|e| e.get_password());
        let reason = match probe {
            Ok(_) | Err(keyring::Error::NoEntry) => None,
            Err(e) => unavailable_reason(&e).or_else(|| Some(e.to_string())),
        };
        *lock(&self.unavailable) = reason.clone();
        KeyringStatus {
            available: reason.is_none(),
            reason,
        }
    }

    fn entry(&self, profile_id: &str) -> AppResult<keyring::Entry> {
        keyring::Entry::new(&self.service, profile_id).map_err(|e| self.failure(e))
    }

    fn failure(&self, e: keyring::Error) -> AppError {
        match unavailable_reason(&e) {
            Some(reason) => {
                *lock(&self.unavailable) = Some(reason.clone());
                AppError::KeyringUnavailable { reason }
            }
            None => AppError::Keyring {
                detail: refusal_detail(&e),
            },
        }
    }

    /// Stores a password in the keyring; when no keyring works, keeps it in memory and says so
    /// through the returned place (the caller tells the user).
    pub fn store(&self, profile_id: &str, password: &Secret) -> AppResult<PasswordPlace> {
        if self.use_os_keyring {
            match self.entry(profile_id).and_then(|e| {
                e.set_password(password.expose())
                    .map_err(|e| self.failure(e))
            }) {
                Ok(()) => {
                    lock(&self.memory).remove(profile_id);
                    return Ok(PasswordPlace::Keyring);
                }
                Err(AppError::KeyringUnavailable { reason }) => {
                    tracing::warn!(%reason, "keyring unavailable; keeping the password in memory");
                }
                Err(e) => return Err(e),
            }
        }
        self.store_in_memory(profile_id, password);
        Ok(PasswordPlace::Memory)
    }

    /// Keeps a password in memory only (demo profiles, or a password entered to connect once).
    pub fn store_in_memory(&self, profile_id: &str, password: &Secret) {
        lock(&self.memory).insert(profile_id.to_string(), password.clone());
    }

    /// The password of a profile: memory first, then the keyring. `Ok(None)` when there is none.
    pub fn get(&self, profile_id: &str) -> AppResult<Option<Secret>> {
        if let Some(s) = lock(&self.memory).get(profile_id) {
            return Ok(Some(s.clone()));
        }
        if !self.use_os_keyring {
            return Ok(None);
        }
        match self.entry(profile_id)?.get_password() {
            Ok(p) => Ok(Some(Secret::new(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.failure(e)),
        }
    }

    /// Where the password of a profile is; never fails (an unavailable keyring counts as none).
    pub fn place(&self, profile_id: &str) -> PasswordPlace {
        if lock(&self.memory).contains_key(profile_id) {
            return PasswordPlace::Memory;
        }
        match self.get(profile_id) {
            Ok(Some(_)) => PasswordPlace::Keyring,
            _ => PasswordPlace::None,
        }
    }

    /// Deletes the password of a profile everywhere. A missing entry is not an error.
    pub fn delete(&self, profile_id: &str) -> AppResult<()> {
        lock(&self.memory).remove(profile_id);
        if !self.use_os_keyring {
            return Ok(());
        }
        match self.entry(profile_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => match self.failure(e) {
                // Nothing can be in a keyring that cannot be reached.
                AppError::KeyringUnavailable { .. } => Ok(()),
                other => Err(other),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_three_linux_failures() {
        let locked = keyring::Error::NoStorageAccess("prompt dismissed".into());
        assert!(unavailable_reason(&locked).unwrap().contains("locked"));
        let no_daemon = keyring::Error::PlatformFailure(
            "The name org.freedesktop.secrets was not provided by any .service files".into(),
        );
        assert!(unavailable_reason(&no_daemon)
            .unwrap()
            .contains("no Secret Service"));
        let no_bus = keyring::Error::PlatformFailure(
            "D-Bus error: Unable to autolaunch a dbus-daemon without a $DISPLAY for X11".into(),
        );
        assert!(unavailable_reason(&no_bus)
            .unwrap()
            .contains("no D-Bus session bus"));
        assert!(unavailable_reason(&keyring::Error::NoEntry).is_none());
    }

    #[test]
    fn windows_credential_manager_limits_are_explained() {
        let e = keyring::Error::TooLong("password".into(), 2560);
        let d = refusal_detail(&e);
        assert!(
            d.contains("too long for Windows Credential Manager") && d.contains("1280"),
            "{d}"
        );
        assert!(
            unavailable_reason(&e).is_none(),
            "the keyring works; only this call failed"
        );
        let s = Secrets::memory_only();
        let shown = s.failure(e).to_string();
        assert!(
            shown.starts_with("the keyring refused the password: the password is too long"),
            "{shown}"
        );
        let user = refusal_detail(&keyring::Error::TooLong("user".into(), 513));
        assert!(user.contains("user") && user.contains("513"), "{user}");
        assert_eq!(
            refusal_detail(&keyring::Error::NoEntry),
            keyring::Error::NoEntry.to_string()
        );
    }

    #[test]
    fn memory_store_round_trip() {
        let s = Secrets::memory_only();
        assert_eq!(s.get("p1").unwrap(), None);
        assert_eq!(
            s.store("p1", &Secret::new("pw")).unwrap(),
            PasswordPlace::Memory
        );
        assert_eq!(s.get("p1").unwrap().unwrap().expose(), "pw");
        assert_eq!(s.place("p1"), PasswordPlace::Memory);
        s.delete("p1").unwrap();
        assert_eq!(s.place("p1"), PasswordPlace::None);
    }
}
