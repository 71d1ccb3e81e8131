//! The saved connections to DX environments: their profiles, their passwords, one logged-in
//! DX client per profile, and the demo environments.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dx_staging::profile::{offered_environment, SubscriberEnv, SubscriberTarget};
use dx_staging::{Client, Profile, RetryPolicy, Secret, Subscriber};

use crate::dto::SubscriberEnvView;
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

impl Connections {
    /// The environment of subscriber `subscriber_id` of the publisher `publisher_id`, by
    /// `dx-staging`'s rule ([`Profile::subscriber_env`]): its link, else the older single link
    /// when it stands for this subscriber. The publisher's subscriber list is asked of
    /// `publisher` only for that older link (`None`, or a failed read: the link stands for
    /// every subscriber not linked otherwise, as before).
    pub async fn subscriber_env(
        &self,
        publisher_id: &str,
        subscriber_id: &str,
        publisher: Option<&Client>,
    ) -> AppResult<Option<SubscriberEnv>> {
        let profile = self.profile(publisher_id)?;
        if profile.link_for(subscriber_id).is_none()
            && profile.fallback_subscriber_profile_id.is_some()
        {
            let listed = match publisher {
                Some(c) => c.subscribers().list().await.ok(),
                None => None,
            };
            let targets = listed.as_deref().map(targets_of);
            return Ok(
                profile.subscriber_env(subscriber_id, targets.as_deref(), |id| {
                    self.profile(id).ok().map(|p| p.host_and_port())
                }),
            );
        }
        Ok(profile.subscriber_env(subscriber_id, None, |_| None))
    }

    /// The client of subscriber `subscriber_id`'s environment ([`Self::subscriber_env`]), or
    /// why there is none ([`AppError::NoLinkedProfile`] naming the subscriber).
    pub async fn subscriber_env_client(
        &self,
        publisher_id: &str,
        subscriber_id: &str,
        publisher: Option<&Client>,
    ) -> AppResult<Client> {
        match self
            .subscriber_env(publisher_id, subscriber_id, publisher)
            .await?
        {
            Some(env) => self.client(&env.profile_id).await,
            None => Err(AppError::NoLinkedProfile {
                profile: format!(
                    "{} (subscriber {subscriber_id})",
                    self.profile(publisher_id)?.name
                ),
            }),
        }
    }

    /// Every subscriber of `publisher_id` in `subscribers` with its environment's connection,
    /// or the saved connection offered for it by host.
    pub fn environments(
        &self,
        publisher_id: &str,
        subscribers: &[Subscriber],
    ) -> AppResult<Vec<SubscriberEnvView>> {
        let profiles: Vec<Profile> = self.store().all().cloned().collect();
        let publisher = profiles
            .iter()
            .find(|p| p.id == publisher_id)
            .ok_or_else(|| AppError::UnknownProfile {
                id: publisher_id.to_string(),
            })?;
        Ok(environment_views(publisher, subscribers, &profiles))
    }
}

/// The subscribers as `dx-staging`'s link rules read them.
pub fn targets_of(subscribers: &[Subscriber]) -> Vec<SubscriberTarget<'_>> {
    subscribers
        .iter()
        .map(|s| SubscriberTarget {
            id: s.id_str(),
            target_host: s.target_host.as_deref(),
        })
        .collect()
}

/// [`Connections::environments`] over profiles already read.
pub fn environment_views(
    publisher: &Profile,
    subscribers: &[Subscriber],
    profiles: &[Profile],
) -> Vec<SubscriberEnvView> {
    let targets = targets_of(subscribers);
    let by_id = |id: &str| profiles.iter().find(|p| p.id == id);
    targets
        .iter()
        .map(|t| {
            let env = publisher
                .subscriber_env(t.id, Some(&targets), |id| {
                    by_id(id).map(Profile::host_and_port)
                })
                .filter(|e| by_id(&e.profile_id).is_some());
            let offered = match (&env, t.target_host) {
                (None, Some(host)) => offered_environment(host, &publisher.id, profiles),
                _ => None,
            };
            SubscriberEnvView {
                subscriber_id: t.id.to_string(),
                target_host: t.target_host.map(str::to_string),
                profile_name: env
                    .as_ref()
                    .and_then(|e| by_id(&e.profile_id))
                    .map(|p| p.name.clone()),
                profile_id: env.as_ref().map(|e| e.profile_id.clone()),
                source: env.map(|e| e.source),
                offered_profile_id: offered.map(|p| p.id.clone()),
                offered_profile_name: offered.map(|p| p.name.clone()),
            }
        })
        .collect()
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
