//! Profile commands: list, validate, save (password to the keyring), duplicate, delete, test,
//! import DXClient settings.

use std::time::Instant;

use dx_staging::{Client, Profile, Secret};
use tauri::State;

use super::blocking;
use crate::dto::{ConnectionReport, FieldProblem, ImportedSettings, ProfileDto, ProfileView};
use crate::error::{AppError, AppResult};
use crate::secrets::PasswordPlace;
use crate::state::{test_client, AppState};

/// Every profile with where its password is.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn list_profiles(state: State<'_, AppState>) -> AppResult<Vec<ProfileView>> {
    views(&state).await
}

/// The profiles as listed (the logic of [`list_profiles`]).
pub async fn views(state: &AppState) -> AppResult<Vec<ProfileView>> {
    let profiles: Vec<(Profile, bool)> = {
        let store = state.store();
        store
            .all()
            .map(|p| (p.clone(), store.is_demo(&p.id)))
            .collect()
    };
    let secrets = state.secrets.clone();
    blocking(move || {
        Ok(profiles
            .into_iter()
            .map(|(p, demo)| ProfileView {
                password: secrets.place(&p.id),
                insecure: p.tls.is_insecure(),
                profile: ProfileDto::from(&p),
                demo,
            })
            .collect())
    })
    .await
}

/// Every problem of a profile draft, each naming its field (empty when it can be saved).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn validate_profile(
    state: State<'_, AppState>,
    profile: ProfileDto,
) -> AppResult<Vec<FieldProblem>> {
    Ok(problems(&state, &Profile::from(profile)))
}

/// The problems of a profile: `dx-staging`'s rules plus the app's (name, link).
pub fn problems(state: &AppState, p: &Profile) -> Vec<FieldProblem> {
    let mut out: Vec<FieldProblem> = Vec::new();
    if p.name.is_empty() {
        out.push(FieldProblem {
            field: "name".into(),
            message: "give the profile a name".into(),
        });
    }
    for e in p.problems() {
        match e {
            dx_staging::Error::InvalidProfile { field, message } => {
                out.push(FieldProblem { field, message })
            }
            other => out.push(FieldProblem {
                field: "profile".into(),
                message: other.to_string(),
            }),
        }
    }
    if let Some(link) = &p.subscriber_profile_id {
        if link == &p.id {
            out.push(FieldProblem {
                field: "subscriberProfileId".into(),
                message: "a profile cannot be its own subscriber environment".into(),
            });
        } else if state.store().get(link).is_err() {
            out.push(FieldProblem {
                field: "subscriberProfileId".into(),
                message: "the linked profile no longer exists".into(),
            });
        }
    }
    out
}

fn first_problem(problems: Vec<FieldProblem>) -> AppResult<()> {
    match problems.into_iter().next() {
        None => Ok(()),
        Some(FieldProblem { field, message }) => {
            Err(AppError::Dx(dx_staging::Error::InvalidProfile {
                field,
                message,
            }))
        }
    }
}

/// Logs in and lists the subscribers, timing both.
async fn probe(client: &Client) -> AppResult<(u32, u32)> {
    let started = Instant::now();
    client.login().await?;
    let subscribers = client.subscribers().list().await?;
    let ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
    Ok((subscribers.len().min(u32::MAX as usize) as u32, ms))
}

fn given_password(
    state: &AppState,
    password: Option<String>,
    password_token: Option<String>,
) -> Option<Secret> {
    let typed = password.filter(|p| !p.is_empty()).map(Secret::new);
    let imported = password_token.and_then(|t| state.take_imported_password(&t));
    typed.or(imported)
}

/// Saves a profile. With `testFirst`, logs in with the draft first and saves nothing when that
/// fails. A given password goes to the keyring (or memory, when no keyring works).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, profile, password, password_token), fields(id = %profile.id), err)]
pub async fn save_profile(
    state: State<'_, AppState>,
    profile: ProfileDto,
    password: Option<String>,
    password_token: Option<String>,
    test_first: bool,
) -> AppResult<ProfileView> {
    save(&state, profile, password, password_token, test_first).await
}

/// The logic of [`save_profile`].
pub async fn save(
    state: &AppState,
    profile: ProfileDto,
    password: Option<String>,
    password_token: Option<String>,
    test_first: bool,
) -> AppResult<ProfileView> {
    let mut profile = Profile::from(profile);
    if profile.id.is_empty() {
        profile.id = uuid::Uuid::new_v4().to_string();
    }
    first_problem(problems(state, &profile))?;
    let new_password = given_password(state, password, password_token);
    if test_first {
        let id = profile.id.clone();
        let secrets = state.secrets.clone();
        let pw = match new_password.clone() {
            Some(p) => Some(p),
            None => blocking(move || secrets.get(&id)).await?,
        };
        let pw = pw.ok_or_else(|| AppError::PasswordNeeded {
            profile: profile.name.clone(),
        })?;
        probe(&test_client(&profile, pw)?).await?;
    }
    let existed = state.store().get(&profile.id).is_ok();
    let place = match new_password {
        Some(pw) => {
            let (secrets, id) = (state.secrets.clone(), profile.id.clone());
            Some(blocking(move || secrets.store(&id, &pw)).await?)
        }
        None => None,
    };
    let saved = state.store().upsert(profile.clone());
    if let Err(e) = saved {
        if !existed && place.is_some() {
            let (secrets, id) = (state.secrets.clone(), profile.id.clone());
            let _ = blocking(move || secrets.delete(&id)).await;
        }
        return Err(e);
    }
    state.forget_client(&profile.id).await;
    let (secrets, id) = (state.secrets.clone(), profile.id.clone());
    let password = match place {
        Some(p) => p,
        None => blocking(move || Ok(secrets.place(&id))).await?,
    };
    tracing::info!(id = %profile.id, ?password, "profile saved");
    Ok(ProfileView {
        password,
        insecure: profile.tls.is_insecure(),
        demo: state.store().is_demo(&profile.id),
        profile: ProfileDto::from(&profile),
    })
}

/// Deletes a profile and its keyring entry.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn delete_profile(state: State<'_, AppState>, id: String) -> AppResult<()> {
    delete(&state, id).await
}

/// The logic of [`delete_profile`].
pub async fn delete(state: &AppState, id: String) -> AppResult<()> {
    state.store().remove(&id)?;
    state.forget_client(&id).await;
    let secrets = state.secrets.clone();
    blocking(move || secrets.delete(&id)).await
}

/// Copies a profile (and its password) under a new id and name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn duplicate_profile(state: State<'_, AppState>, id: String) -> AppResult<ProfileView> {
    duplicate(&state, id).await
}

/// The logic of [`duplicate_profile`].
pub async fn duplicate(state: &AppState, id: String) -> AppResult<ProfileView> {
    let mut copy = state.profile(&id)?;
    copy.id = uuid::Uuid::new_v4().to_string();
    copy.name = format!("{} (copy)", copy.name);
    let secrets = state.secrets.clone();
    let (from, to) = (id.clone(), copy.id.clone());
    let place = blocking(move || match secrets.get(&from)? {
        Some(pw) => secrets.store(&to, &pw),
        None => Ok(PasswordPlace::None),
    })
    .await?;
    let saved = state.store().upsert(copy.clone());
    if let Err(e) = saved {
        let (secrets, id) = (state.secrets.clone(), copy.id.clone());
        let _ = blocking(move || secrets.delete(&id)).await;
        return Err(e);
    }
    Ok(ProfileView {
        password: place,
        insecure: copy.tls.is_insecure(),
        demo: false,
        profile: ProfileDto::from(&copy),
    })
}

/// Remembers the selected profile for the next start.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn select_profile(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.store().select(&id)
}

/// Tests a saved profile: logs in and lists the subscribers. A given password is used for this
/// test only.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, password), err)]
pub async fn test_connection(
    state: State<'_, AppState>,
    id: String,
    password: Option<String>,
) -> AppResult<ConnectionReport> {
    test_saved(&state, id, password).await
}

/// The logic of [`test_connection`].
pub async fn test_saved(
    state: &AppState,
    id: String,
    password: Option<String>,
) -> AppResult<ConnectionReport> {
    let profile = state.profile(&id)?;
    let (secrets, pid) = (state.secrets.clone(), id.clone());
    let place = blocking(move || Ok(secrets.place(&pid))).await?;
    let (subscriber_count, round_trip_ms) = match password.filter(|p| !p.is_empty()) {
        Some(pw) => probe(&test_client(&profile, Secret::new(pw))?).await?,
        None => {
            state.forget_client(&id).await;
            probe(&state.client(&id).await?).await?
        }
    };
    Ok(ConnectionReport {
        reachable: true,
        subscriber_count,
        round_trip_ms,
        password: place,
    })
}

/// Tests an unsaved draft; saves nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, fields(host = %profile.hostname), err)]
pub async fn test_draft(
    state: State<'_, AppState>,
    profile: ProfileDto,
    password: Option<String>,
    password_token: Option<String>,
) -> AppResult<ConnectionReport> {
    test_unsaved(&state, profile, password, password_token).await
}

/// The logic of [`test_draft`].
pub async fn test_unsaved(
    state: &AppState,
    profile: ProfileDto,
    password: Option<String>,
    password_token: Option<String>,
) -> AppResult<ConnectionReport> {
    let profile = Profile::from(profile);
    first_problem(problems(state, &profile))?;
    let typed = password.filter(|p| !p.is_empty()).map(Secret::new);
    // Peek at an imported password without consuming it: the save needs it later.
    let imported = password_token.and_then(|t| state.peek_imported_password(&t));
    let pw = match typed.or(imported) {
        Some(p) => Some(p),
        None if !profile.id.is_empty() => {
            let (secrets, id) = (state.secrets.clone(), profile.id.clone());
            blocking(move || secrets.get(&id)).await?
        }
        None => None,
    };
    let pw = pw.ok_or_else(|| AppError::PasswordNeeded {
        profile: profile.name.clone(),
    })?;
    let (subscriber_count, round_trip_ms) = probe(&test_client(&profile, pw)?).await?;
    Ok(ConnectionReport {
        reachable: true,
        subscriber_count,
        round_trip_ms,
        password: PasswordPlace::None,
    })
}

/// Reads a DXClient settings file's JSON into a profile draft (not saved). A `dxPassword` in it
/// is held in memory under a token until the draft is saved.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn import_dxclient_settings(
    state: State<'_, AppState>,
    json: String,
) -> AppResult<ImportedSettings> {
    import(&state, json).await
}

/// The logic of [`import_dxclient_settings`].
pub async fn import(state: &AppState, json: String) -> AppResult<ImportedSettings> {
    let (mut profile, password) = Profile::from_dxclient_settings(&json)?;
    if profile.name.is_empty() {
        profile.name = profile.hostname.clone();
    }
    let problems = problems(state, &profile);
    Ok(ImportedSettings {
        password_token: password
            .filter(|p| !p.is_empty())
            .map(|p| state.hold_imported_password(p)),
        profile: ProfileDto::from(&profile),
        problems,
    })
}

/// Stores the password of a saved profile (keyring, or memory when no keyring works).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, password), err)]
pub async fn set_password(
    state: State<'_, AppState>,
    id: String,
    password: String,
) -> AppResult<PasswordPlace> {
    store_password(&state, id, password).await
}

/// The logic of [`set_password`].
pub async fn store_password(
    state: &AppState,
    id: String,
    password: String,
) -> AppResult<PasswordPlace> {
    state.profile(&id)?;
    let (secrets, pid) = (state.secrets.clone(), id.clone());
    let place = blocking(move || secrets.store(&pid, &Secret::new(password))).await?;
    state.forget_client(&id).await;
    Ok(place)
}
