//! The keyring code against the real Secret Service (gnome-keyring in `dbus-run-session`, as
//! `scripts/with-keyring.sh` starts it). With `DSC_REQUIRE_KEYRING=1` an unavailable keyring
//! fails the test; without it, the test checks the fallback instead.

use dam_staging_console::secrets::{PasswordPlace, Secrets};
use dx_staging::Secret;

#[test]
fn passwords_round_trip_through_the_os_keyring() {
    let service = format!("io.github.dam-staging-console.test-{}", std::process::id());
    let secrets = Secrets::new(&service);
    let status = secrets.status();
    let required = std::env::var("DSC_REQUIRE_KEYRING").is_ok_and(|v| v == "1");
    if !status.available {
        assert!(
            !required,
            "no keyring although one is required: {:?}",
            status.reason
        );
        // No keyring: the password is kept in memory, and the reason is given.
        assert!(status.reason.is_some());
        let place = secrets.store("p", &Secret::new("pw")).unwrap();
        assert_eq!(place, PasswordPlace::Memory);
        return;
    }
    let id = "profile-1";
    assert_eq!(secrets.get(id).unwrap(), None);
    assert_eq!(
        secrets.store(id, &Secret::new("s3cret")).unwrap(),
        PasswordPlace::Keyring
    );
    // A second handle (as after a restart) reads it back from the keyring, not from memory.
    let again = Secrets::new(&service);
    assert_eq!(again.get(id).unwrap().unwrap().expose(), "s3cret");
    assert_eq!(again.place(id), PasswordPlace::Keyring);
    again.store(id, &Secret::new("changed")).unwrap();
    assert_eq!(secrets.get(id).unwrap().unwrap().expose(), "changed");
    again.delete(id).unwrap();
    assert_eq!(secrets.get(id).unwrap(), None);
    // Deleting what is not there is fine.
    again.delete(id).unwrap();
}
