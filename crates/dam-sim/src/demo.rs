//! The demo: a seeded publisher and a slightly broken subscriber on loopback, registered.

use std::path::PathBuf;
use std::time::Duration;

use rand::distributions::{Alphanumeric, DistString};

use crate::config::{EnvConfig, Role, DEFAULT_USERNAME};
use crate::model::Subscriber;
use crate::mutate::{mutate, MutateOp};
use crate::records::RecordType;
use crate::server::{start, RunningEnv};
use crate::{timefmt, SimError};

/// Where and how big the demo is.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Directory of the two databases (`publisher.db`, `subscriber.db`); existing demo
    /// databases there are replaced, so every demo starts fresh.
    pub dir: PathBuf,
    /// Publisher port (0 = a free one).
    pub publisher_port: u16,
    /// Subscriber port (0 = a free one).
    pub subscriber_port: u16,
    /// Number of media items (assets) seeded on both sides (each brings ~10 records).
    pub assets: usize,
}

impl DemoConfig {
    /// Free ports and 500 assets in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DemoConfig {
            dir: dir.into(),
            publisher_port: 0,
            subscriber_port: 0,
            assets: 500,
        }
    }
}

/// The running demo. Dropping it stops both environments.
#[derive(Debug)]
pub struct Demo {
    /// The publisher (find and resync run here).
    pub publisher: RunningEnv,
    /// The subscriber (registered on the publisher; slightly broken).
    pub subscriber: RunningEnv,
    /// The subscriber's registration id on the publisher.
    pub subscriber_id: String,
    /// Admin user of both environments (`wpsadmin`).
    pub username: String,
    /// Admin password of both environments (random per demo run).
    pub password: String,
}

impl Demo {
    /// The one-line JSON the `dam-sim demo` command prints:
    /// `{"publisher":URL,"subscriber":URL,"subscriberId":ID,"username":U,"password":P}`.
    pub fn json_line(&self) -> String {
        serde_json::json!({
            "publisher": self.publisher.url(),
            "subscriber": self.subscriber.url(),
            "subscriberId": self.subscriber_id,
            "username": self.username,
            "password": self.password,
        })
        .to_string()
    }
}

fn demo_env(role: Role, db: PathBuf, port: u16, password: &str) -> EnvConfig {
    let mut c = EnvConfig::new(role, db);
    c.port = port;
    c.password = password.to_string();
    // Paced so that a person watching the app sees the statuses move.
    c.max_records_to_compare = 100;
    c.find_batch_delay = Duration::from_millis(40);
    c.sync_op_delay = Duration::from_millis(30);
    c.success_retention = Duration::from_secs(5);
    c
}

fn remove_db(path: &std::path::Path) -> Result<(), SimError> {
    for suffix in ["", "-wal", "-shm", ".ca.pem"] {
        let mut p = path.as_os_str().to_os_string();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|source| SimError::Io {
                path: p.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// Starts the demo: both environments seeded alike with `assets` media items, the subscriber
/// registered on the publisher (`targetHost` `127.0.0.1:PORT`) and then broken a little
/// (some media items deleted, renditions and a collection altered, keywords and a media item
/// added, a permission deleted). The admin is `wpsadmin` with a random password.
pub async fn start_demo(config: DemoConfig) -> Result<Demo, SimError> {
    std::fs::create_dir_all(&config.dir).map_err(|source| SimError::Io {
        path: config.dir.clone(),
        source,
    })?;
    let pub_db = config.dir.join("publisher.db");
    let sub_db = config.dir.join("subscriber.db");
    remove_db(&pub_db)?;
    remove_db(&sub_db)?;
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 20);
    let publisher = start(demo_env(
        Role::Publisher,
        pub_db,
        config.publisher_port,
        &password,
    ))
    .await?;
    let subscriber = start(demo_env(
        Role::Subscriber,
        sub_db,
        config.subscriber_port,
        &password,
    ))
    .await?;

    let assets = config.assets.max(1) as u64;
    let collections = assets.div_ceil(25).max(1);
    let per = assets.div_ceil(collections);
    let step = |what: &str, e: crate::api_error::ApiError| SimError::Demo(format!("{what}: {e}"));
    for env in [&publisher, &subscriber] {
        env.env
            .db
            .call(move |c| crate::seed::seed(c, collections, per).map(|_| ()))
            .await
            .map_err(|e| step("seeding", e))?;
    }
    let now = timefmt::now();
    let sub = Subscriber {
        id: uuid::Uuid::new_v4().to_string(),
        target_host: format!("127.0.0.1:{}", subscriber.port()),
        sync_status: None,
        sync_failure_logs: None,
        last_sync_time: None,
        resync_status: None,
        last_resync_time: None,
        // HCL's default cycle length: the demo shows today's periodic staging.
        cycle_length: Some(crate::cycles::DEFAULT_CYCLE_MINUTES),
        status: true,
        created: now.clone(),
        updated: now,
        resync_run: None,
    };
    let subscriber_id = sub.id.clone();
    publisher
        .env
        .db
        .call(move |c| {
            sub.save(c)?;
            crate::cycles::register_cursor(c, &sub.id)?;
            Ok(())
        })
        .await
        .map_err(|e| step("registering the subscriber", e))?;
    let damage = [
        (
            RecordType::MediaItem,
            MutateOp::Delete,
            (assets / 100).max(1),
        ),
        (RecordType::Permission, MutateOp::Delete, 1),
        (RecordType::Rendition, MutateOp::Alter, (assets / 50).max(1)),
        (RecordType::Collection, MutateOp::Alter, 1),
        (RecordType::Keyword, MutateOp::Add, 2),
        (RecordType::MediaItem, MutateOp::Add, 1),
    ];
    subscriber
        .env
        .db
        .call(move |c| {
            for (t, op, n) in damage {
                mutate(c, t, op, n, false)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| step("breaking the subscriber", e))?;
    Ok(Demo {
        publisher,
        subscriber,
        subscriber_id,
        username: DEFAULT_USERNAME.to_string(),
        password,
    })
}
