//! The saved connections to DX environments: their profiles, their passwords, one logged-in
//! DX client per profile, and the demo environments.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dx_staging::{Client, Profile, RetryPolicy, Secret};

use crate::error::{AppError, AppResult};
use crate::secrets::Secrets;
use crate::store::ProfileStore;
use crate::sync::{blocking, lock};

/// The connections: profiles, passwords, clients and the demo.
pub struct Connections {
    store: Mutex<ProfileStore>,
    /// Passwords (keyring or memory).
    pub secrets: Arc<Secrets>,
    clients: tokio::sync::Mutex<HashMap<String, Client>>,
    /// Passwords read from an imported settings file, until the profile is saved.
    imported: Mutex<HashMap<String, Secret>>,
    /// The running demo environments, stopped when dropped.
    pub demo: tokio::sync::Mutex<Option<crate::demo::DemoRun>>,
    /// Where demo data goes.
    pub cache_dir: PathBuf,
}

impl Connections {
    /// Connections over an opened store and a password place; demo data goes under `cache_dir`.
    pub fn new(store: ProfileStore, secrets: Secrets, cache_dir: PathBuf) -> Self {
        Connections {
            store: Mutex::new(store),
            secrets: Arc::new(secrets),
            clients: tokio::sync::Mutex::new(HashMap::new()),
            imported: Mutex::new(HashMap::new()),
            demo: tokio::sync::Mutex::new(None),
            cache_dir,
        }
    }

    /// The profiles (short critical sections only; never held across `.await`).
    pub fn store(&self) -> MutexGuard<'_, ProfileStore> {
        lock(&self.store)
    }

    /// A copy of one profile.
    pub fn profile(&self, id: &str) -> AppResult<Profile> {
        self.store().get(id).cloned()
    }

    /// Keeps an imported password under a one-time token; returns the token.
    pub fn hold_imported_password(&self, password: Secret) -> String {
        let token = uuid::Uuid::new_v4().to_string();
        lock(&self.imported).insert(token.clone(), password);
        token
    }

    /// Takes an imported password back by its token.
    pub fn take_imported_password(&self, token: &str) -> Option<Secret> {
        lock(&self.imported).remove(token)
    }

    /// An imported password, left in place.
    pub fn peek_imported_password(&self, token: &str) -> Option<Secret> {
        lock(&self.imported).get(token).cloned()
    }

    /// Forgets the cached client of a profile (after its settings or password changed).
    pub async fn forget_client(&self, profile_id: &str) {
        self.clients.lock().await.remove(profile_id);
    }

    /// The client of a saved (or demo) profile, logged in lazily on its first call.
    pub async fn client(&self, profile_id: &str) -> AppResult<Client> {
        if let Some(c) = self.clients.lock().await.get(profile_id) {
            return Ok(c.clone());
        }
        let profile = self.profile(profile_id)?;
        let secrets = self.secrets.clone();
        let id = profile_id.to_string();
        let password = blocking("keyring call", move || secrets.get(&id))
            .await?
            .ok_or_else(|| AppError::PasswordNeeded {
                profile: profile.name.clone(),
            })?;
        let client = Client::builder(&profile, password).build()?;
        self.clients
            .lock()
            .await
            .insert(profile_id.to_string(), client.clone());
        Ok(client)
    }
}

/// A client for a one-off connection test: fails fast instead of retrying for long.
pub fn test_client(profile: &Profile, password: Secret) -> AppResult<Client> {
    Ok(Client::builder(profile, password)
        .retry(RetryPolicy {
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            max_retries: 1,
        })
        .build()?)
}
