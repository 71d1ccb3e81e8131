//! Starting and stopping one environment.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Auth;
use crate::config::{EnvConfig, Role};
use crate::db::Db;
use crate::faults::Faults;
use crate::peer::Peers;
use crate::state::{Env, Stats};
use crate::{cycles, recovery, routes, tls, worker, SimError};

/// A running environment. It stops (server, jobs, worker) when dropped or on
/// [`RunningEnv::shutdown`]; unfinished jobs resume when it is started again on the same database.
/// To restart on the same port, await `shutdown` first (a drop frees the port asynchronously).
pub struct RunningEnv {
    url: String,
    port: u16,
    role: Role,
    ca_pem: Option<PathBuf>,
    pub(crate) env: Arc<Env>,
    handle: axum_server::Handle,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEnv")
            .field("url", &self.url)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl RunningEnv {
    /// The base URL, `http://127.0.0.1:PORT` (or `https://…` with TLS), without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port the environment listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The environment's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// With TLS: the PEM file of the CA that signed the server certificate (next to the DB).
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.ca_pem.as_deref()
    }

    /// Stops the server and its jobs and waits until they have stopped and the port is free.
    pub async fn shutdown(mut self) {
        self.env.cancel.cancel();
        self.handle
            .graceful_shutdown(Some(Duration::from_millis(500)));
        self.env.tasks.close();
        self.env.tasks.wait().await;
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
    }
}

impl Drop for RunningEnv {
    fn drop(&mut self) {
        self.env.cancel.cancel();
        self.handle.shutdown();
    }
}

/// Starts one environment: opens (or creates) its database, binds its port, resumes unfinished
/// jobs and starts its operation worker. Must be called inside a Tokio runtime.
pub async fn start(config: EnvConfig) -> Result<RunningEnv, SimError> {
    config.validate()?;
    if let Some(dir) = config
        .db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| SimError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let db = Db::open(&config.db_path)?;
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = TcpListener::bind(addr).map_err(|source| SimError::Bind { addr, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| SimError::Bind { addr, source })?;
    let port = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?
        .port();
    let (rustls_cfg, ca_pem) = if config.tls {
        let ca = tls::ca_path(&config.db_path);
        (Some(tls::server_config(config.bind, &ca)?), Some(ca))
    } else {
        (None, None)
    };
    let host = match config.bind {
        std::net::IpAddr::V4(v) if v.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V4(v) => v.to_string(),
        std::net::IpAddr::V6(v) if v.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V6(v) => format!("[{v}]"),
    };
    let url = format!(
        "{}://{host}:{port}",
        if config.tls { "https" } else { "http" }
    );
    let peers = Peers::new(&config, ca_pem.as_deref())?;
    let auth = Auth::load(&db)?;
    let role = config.role;
    let (config_cycles, config_cycle_ops) = (config.staging_cycles, config.cycle_sync_operations);
    let env = Arc::new(Env {
        cfg: config,
        db,
        url: url.clone(),
        auth,
        faults: Faults::default(),
        stats: Stats::default(),
        cancel: CancellationToken::new(),
        tasks: TaskTracker::new(),
        peers,
        busy: Default::default(),
        hash_cursor: Default::default(),
        worker_wake: Default::default(),
        cycles: crate::state::Cycles {
            enabled: config_cycles.into(),
            sync_operations: config_cycle_ops.into(),
            slots: Default::default(),
        },
    });
    recovery::resume(&env)
        .await
        .map_err(|e| SimError::Task(format!("resuming unfinished jobs failed: {e}")))?;
    worker::spawn(env.clone());
    cycles::spawn(env.clone());

    let app = routes::router(env.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let server = match rustls_cfg {
        Some(cfg) => {
            let rc = axum_server::tls_rustls::RustlsConfig::from_config(cfg);
            let srv = axum_server::from_tcp_rustls(listener, rc).handle(handle.clone());
            tokio::spawn(async move { srv.serve(app).await })
        }
        None => {
            let srv = axum_server::from_tcp(listener).handle(handle.clone());
            tokio::spawn(async move { srv.serve(app).await })
        }
    };
    Ok(RunningEnv {
        url,
        port,
        role,
        ca_pem,
        env,
        handle,
        server: Some(server),
    })
}
