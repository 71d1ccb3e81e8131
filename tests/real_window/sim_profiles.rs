//! Two linked connections to a `dam-sim demo` (its publisher, and the subscriber's environment)
//! saved as the Profiles screen would: `profiles.json` in the app's data folder below `home`, the
//! passwords in the keyring (run inside `scripts/with-keyring.sh`). Shared by
//! `tests/real_window_reports` and `examples/bench_profiles.rs`.

use std::path::Path;

use dam_staging_console::IDENTIFIER;
use dx_staging::Profile;

fn sim_profile(id: &str, name: &str, url: &str, user: &str, linked: Option<&str>) -> Profile {
    let rest = url.split("://").nth(1).unwrap_or(url).trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').expect("url with a port");
    let port: u32 = port.parse().expect("port");
    let mut p = Profile::new(host.to_string(), user);
    p.id = id.into();
    p.name = name.into();
    p.dx_protocol = "http".into();
    (p.dx_port, p.ring_api_port, p.dam_api_port) = (port, port, port);
    // Saved as profiles were before per-subscriber links: the one link stands for the
    // subscriber whose target host is its host (the migration rule).
    p.fallback_subscriber_profile_id = linked.map(str::to_string);
    p
}

/// Saves the publisher ("pub", selected) and its subscriber environment ("sub-env"); returns the
/// publisher's profile.
pub fn install(
    home: &Path,
    publisher: &str,
    subscriber: &str,
    user: &str,
    password: &str,
) -> Profile {
    let publisher = sim_profile("pub", "Sim publisher", publisher, user, Some("sub-env"));
    let subscriber = sim_profile(
        "sub-env",
        "Sim subscriber environment",
        subscriber,
        user,
        None,
    );
    let dir = home.join(".local/share").join(IDENTIFIER);
    std::fs::create_dir_all(&dir).expect("the app's data folder");
    let file = serde_json::json!({"version": 1, "profiles": [&publisher, subscriber], "selectedProfileId": "pub"});
    std::fs::write(dir.join("profiles.json"), file.to_string()).expect("profiles.json");
    for id in ["pub", "sub-env"] {
        keyring::Entry::new(IDENTIFIER, id)
            .and_then(|e| e.set_password(password))
            .expect("a keyring (run inside scripts/with-keyring.sh)");
    }
    publisher
}
