//! Demo mode: a `dam-sim` publisher and a drifted subscriber inside the app on loopback ports,
//! and two linked demo profiles whose credentials live in memory only.

use dx_staging::{Profile, Secret};

use crate::connections::Connections;
use crate::error::{AppError, AppResult};

/// Id of the demo publisher profile.
pub const DEMO_PUBLISHER_ID: &str = "demo-publisher";
/// Id of the demo subscriber-environment profile.
pub const DEMO_SUBSCRIBER_ID: &str = "demo-subscriber";

/// The running demo: the simulated environments (stopped on drop) and their data folder.
pub struct DemoRun {
    _demo: dam_sim::Demo,
    _dir: tempfile::TempDir,
}

fn demo_profile(id: &str, name: &str, url: &str, username: &str) -> AppResult<Profile> {
    let rest = url.strip_prefix("http://").ok_or_else(|| AppError::Demo {
        detail: format!("unexpected simulator address {url}"),
    })?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| AppError::Demo {
        detail: format!("no port in simulator address {url}"),
    })?;
    let port: u32 = port
        .trim_end_matches('/')
        .parse()
        .map_err(|_| AppError::Demo {
            detail: format!("bad port in simulator address {url}"),
        })?;
    Ok(Profile {
        id: id.into(),
        name: name.into(),
        dx_protocol: "http".into(),
        hostname: host.into(),
        dx_port: port,
        ring_api_port: port,
        dam_api_port: port,
        ..Profile::new(host, username)
    })
}

/// Starts the demo once; later calls do nothing.
pub async fn ensure_started(state: &Connections) -> AppResult<()> {
    let mut slot = state.demo.lock().await;
    if slot.is_some() {
        return Ok(());
    }
    std::fs::create_dir_all(&state.cache_dir).map_err(|e| AppError::Demo {
        detail: format!("{}: {e}", state.cache_dir.display()),
    })?;
    let dir = tempfile::Builder::new()
        .prefix("demo-")
        .tempdir_in(&state.cache_dir)
        .map_err(|e| AppError::Demo {
            detail: e.to_string(),
        })?;
    let demo = dam_sim::start_demo(dam_sim::DemoConfig::new(dir.path()))
        .await
        .map_err(|e| AppError::Demo {
            detail: e.to_string(),
        })?;
    let mut publisher = demo_profile(
        DEMO_PUBLISHER_ID,
        "Demo publisher",
        demo.publisher.url(),
        &demo.username,
    )?;
    publisher.set_link(&demo.subscriber_id, Some(DEMO_SUBSCRIBER_ID));
    let subscriber = demo_profile(
        DEMO_SUBSCRIBER_ID,
        "Demo subscriber environment",
        demo.subscriber.url(),
        &demo.username,
    )?;
    let password = Secret::new(demo.password.clone());
    state.secrets.store_in_memory(DEMO_PUBLISHER_ID, &password);
    state.secrets.store_in_memory(DEMO_SUBSCRIBER_ID, &password);
    state.store().add_demo(vec![publisher, subscriber]);
    state.forget_client(DEMO_PUBLISHER_ID).await;
    state.forget_client(DEMO_SUBSCRIBER_ID).await;
    tracing::info!("demo started");
    *slot = Some(DemoRun {
        _demo: demo,
        _dir: dir,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_profiles_point_at_the_simulator() {
        let p = demo_profile("x", "X", "http://127.0.0.1:40123", "admin").unwrap();
        assert_eq!(p.dx_protocol, "http");
        assert_eq!(p.hostname, "127.0.0.1");
        assert_eq!(
            (p.dx_port, p.ring_api_port, p.dam_api_port),
            (40123, 40123, 40123)
        );
        assert!(p.validate().is_ok());
        assert!(demo_profile("x", "X", "ftp://h:1", "a").is_err());
    }
}
