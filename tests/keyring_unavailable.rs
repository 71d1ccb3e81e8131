//! "No keyring available": with no D-Bus session bus reachable, the keyring code says why and
//! keeps passwords in memory. Its own test binary, because it changes the process environment.

use dam_staging_console::error::AppError;
use dam_staging_console::secrets::{PasswordPlace, Secrets};
use dx_staging::Secret;

#[test]
fn without_a_session_bus_passwords_stay_in_memory_and_the_reason_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("no-such-bus");
    // The only test in this binary: nothing else reads the environment concurrently.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    std::env::remove_var("DISPLAY");
    let secrets = Secrets::new("io.github.dam-staging-console.test-unavailable");
    let status = secrets.status();
    assert!(!status.available);
    let reason = status.reason.unwrap();
    assert!(
        reason.contains("D-Bus") || reason.contains("Secret Service"),
        "{reason}"
    );

    assert_eq!(
        secrets.store("p", &Secret::new("pw")).unwrap(),
        PasswordPlace::Memory
    );
    assert_eq!(secrets.get("p").unwrap().unwrap().expose(), "pw");
    assert_eq!(secrets.place("p"), PasswordPlace::Memory);
    // Reading a profile with no password reports the keyring as unavailable, in plain words.
    match secrets.get("other") {
        Err(e @ AppError::KeyringUnavailable { .. }) => {
            assert_eq!(e.code(), "keyring_unavailable");
            assert!(e.to_string().starts_with("no keyring available"));
        }
        other => panic!("expected keyring_unavailable, got {other:?}"),
    }
    secrets.delete("p").unwrap();
    assert_eq!(secrets.place("p"), PasswordPlace::None);
}
