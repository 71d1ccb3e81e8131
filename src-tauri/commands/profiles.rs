//! Profile commands: list, validate, save (password to the keyring), duplicate, delete, test,
//! import DXClient settings.
//!
//! A profile's CA file is copied into the app's data folder when the profile is saved
//! (`<data>/ca/<profile id>.pem`) and the profile points at the copy, so moving or deleting the
//! original later does not break it; `caOriginal` remembers where it came from.
//!
//! The window may name a CA file only if it was chosen in the native dialog ([`pick_ca_file`])
//! in this run, is the app's own copy, or is the file the saved profile already uses; any other
//! path is refused before it is read (see [`crate::paths`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::{Client, Profile, Secret, TlsMode};
use tauri::{AppHandle, State};

use crate::connections::test_client;
use crate::dto::{ConnectionReport, FieldProblem, ImportedSettings, ProfileDto, ProfileView};
use crate::error::{AppError, AppResult};
use crate::paths::Access;
use crate::secrets::PasswordPlace;
use crate::state::AppState;
use crate::sync::blocking;

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
        let store = state.connections.store();
        store
            .all()
            .map(|p| (p.clone(), store.is_demo(&p.id)))
            .collect()
    };
    let secrets = state.connections.secrets.clone();
    blocking("keyring call", move || {
        Ok(profiles
            .into_iter()
            .map(|(p, demo)| ProfileView::new(&p, secrets.place(&p.id), demo))
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

/// The problems of a profile: `dx-staging`'s rules plus the app's (name, link, a CA file the
/// window may name). A CA file the window may not name is reported and never read.
pub fn problems(state: &AppState, p: &Profile) -> Vec<FieldProblem> {
    let mut out: Vec<FieldProblem> = Vec::new();
    if p.name.is_empty() {
        out.push(FieldProblem {
            field: "name".into(),
            message: "give the profile a name".into(),
        });
    }
    let unread;
    let checked = match check_ca_path(state, p) {
        Ok(()) => p,
        Err(_) => {
            out.push(FieldProblem {
                field: "tls.caPemPath".into(),
                message: "for your safety the app reads only a CA file chosen with \"Choose…\""
                    .into(),
            });
            let mut without_ca = p.clone();
            without_ca.tls = TlsMode::Verify;
            unread = without_ca;
            &unread
        }
    };
    for e in checked.problems() {
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
    // The links' own rules (no self link, one environment per subscriber) are dx-staging's;
    // whether the linked profiles exist is the store's.
    let store = state.connections.store();
    let gone = |id: &str| id != p.id && store.get(id).is_err();
    if let Some(link) = p
        .fallback_subscriber_profile_id
        .as_deref()
        .filter(|l| gone(l))
    {
        out.push(FieldProblem {
            field: "subscriberProfileId".into(),
            message: format!("the linked profile {link} no longer exists"),
        });
    }
    for link in p.subscriber_links.iter().filter(|l| gone(&l.profile_id)) {
        out.push(FieldProblem {
            field: "subscriberLinks".into(),
            message: format!(
                "the environment linked to subscriber {} no longer exists",
                link.subscriber_id
            ),
        });
    }
    out
}

/// Refuses ([`AppError::PathNotAllowed`]) a CA file that the window may not name: one neither
/// chosen in the dialog in this run, nor the app's copy for this profile, nor the file the saved
/// profile already uses.
pub fn check_ca_path(state: &AppState, p: &Profile) -> AppResult<()> {
    let TlsMode::CustomCa { ca_pem_path, .. } = &p.tls else {
        return Ok(());
    };
    if ca_pem_path.as_os_str().is_empty() || *ca_pem_path == ca_copy_path(state, &p.id) {
        // Empty: dx-staging names the missing file; the copy: the app's own file.
        return Ok(());
    }
    let saved_uses_it = state.connections.store().get(&p.id).is_ok_and(
        |saved| matches!(&saved.tls, TlsMode::CustomCa { ca_pem_path: s, .. } if s == ca_pem_path),
    );
    if saved_uses_it {
        return Ok(());
    }
    state.paths.check(ca_pem_path, Access::Read).map(|_| ())
}

/// The native "open" dialog for a CA file (PEM); `None` when dismissed. The chosen file may then
/// be named in a profile draft.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err)]
pub async fn pick_ca_file(app: AppHandle) -> AppResult<Option<String>> {
    super::reports::pick_file_to_read(
        app,
        "Choose the CA file (PEM) to trust",
        ("Certificates", &["pem", "crt", "cer"]),
    )
    .await
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
    let imported = password_token.and_then(|t| state.connections.take_imported_password(&t));
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
    check_ca_path(state, &profile)?;
    first_problem(problems(state, &profile))?;
    let new_password = given_password(state, password, password_token);
    let given = new_password.is_some();
    if test_first {
        let id = profile.id.clone();
        let secrets = state.connections.secrets.clone();
        let pw = match new_password.clone() {
            Some(p) => Some(p),
            None => blocking("keyring call", move || secrets.get(&id)).await?,
        };
        let pw = pw.ok_or_else(|| AppError::PasswordNeeded {
            profile: profile.name.clone(),
        })?;
        probe(&test_client(&profile, pw)?).await?;
    }
    let before = state.connections.store().get(&profile.id).ok().cloned();
    let existed = before.is_some();
    let ca_copy = ca_copy_path(state, &profile.id);
    let ca_before = keep_ca_copy(&mut profile, &ca_copy)?;
    let place = match new_password {
        Some(pw) => {
            let (secrets, id) = (state.connections.secrets.clone(), profile.id.clone());
            Some(blocking("keyring call", move || secrets.store(&id, &pw)).await?)
        }
        None => None,
    };
    let saved = state.connections.store().upsert(profile.clone());
    if let Err(e) = saved {
        if !existed && place.is_some() {
            let (secrets, id) = (state.connections.secrets.clone(), profile.id.clone());
            let _ = blocking("keyring call", move || secrets.delete(&id)).await;
        }
        if let Some(before) = ca_before {
            before.restore(&ca_copy);
        }
        return Err(e);
    }
    if !matches!(&profile.tls, TlsMode::CustomCa { ca_pem_path, .. } if ca_pem_path == &ca_copy) {
        // No CA file any more (or one elsewhere): the old copy is not used.
        remove_ca_copy(&ca_copy);
    }
    state.connections.forget_client(&profile.id).await;
    let (secrets, id) = (state.connections.secrets.clone(), profile.id.clone());
    let password = match place {
        Some(p) => p,
        None => blocking("keyring call", move || Ok(secrets.place(&id))).await?,
    };
    tracing::info!(id = %profile.id, ?password, "profile saved");
    let demo = state.connections.store().is_demo(&profile.id);
    state
        .runs
        .audit()
        .record(profile_saved_entry(before.as_ref(), &profile, given));
    Ok(ProfileView::new(&profile, password, demo))
}

/// The journal's line for a saved profile: created, or changed with the names of the fields
/// that changed (and "password" when one was given; never its value).
pub fn profile_saved_entry(
    before: Option<&Profile>,
    after: &Profile,
    password_given: bool,
) -> JournalEntry {
    let mut changed = before.map_or_else(String::new, |b| crate::audit::changed_fields(b, after));
    if password_given {
        if !changed.is_empty() {
            changed.push_str(", ");
        }
        changed.push_str("password");
    }
    let (action, asked) = match before {
        None => (
            JournalAction::ProfileCreated,
            format!("Add the connection {}", after.name),
        ),
        Some(_) => (
            JournalAction::ProfileChanged,
            format!("Change the connection {}", after.name),
        ),
    };
    let entry = JournalEntry::new(action, asked, JournalAnswer::done()).with_profile(after);
    if changed.is_empty() {
        entry
    } else {
        entry.with_detail(format!("changed: {changed}"))
    }
}

/// The app's copy of a profile's CA file: `<data folder>/ca/<profile id>.pem`, a file name valid
/// on every system.
pub fn ca_copy_path(state: &AppState, id: &str) -> PathBuf {
    let data = state
        .connections
        .store()
        .path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    data.join("ca").join(dx_staging::fsname::portable_file_name(
        &dx_staging::fsname::portable_key(id),
        ".pem",
    ))
}

/// What the app's CA copy held before a save replaced it, to put back if the save fails.
struct CaBefore(Option<Vec<u8>>);

impl CaBefore {
    fn restore(self, copy: &Path) {
        match self.0 {
            Some(bytes) => {
                let _ = crate::store::write_atomically(copy, &bytes);
            }
            None => remove_ca_copy(copy),
        }
    }
}

/// Makes the profile's CA file the app's own copy at `copy`: checks the chosen file (PEM with at
/// least one certificate; the error names `tls.caPemPath`), copies it, and points the profile at
/// the copy with `caOriginal` set to the chosen path. Nothing to do when the profile has no CA
/// file or already uses the copy. Answers what `copy` held before, when it was written.
fn keep_ca_copy(profile: &mut Profile, copy: &Path) -> AppResult<Option<CaBefore>> {
    let TlsMode::CustomCa {
        ca_pem_path,
        ca_original,
    } = &mut profile.tls
    else {
        return Ok(None);
    };
    if ca_pem_path.as_path() == copy {
        return Ok(None);
    }
    let bytes = dx_staging::profile::read_ca_file(ca_pem_path)?;
    let settings_err = |e: std::io::Error| AppError::Settings {
        path: copy.display().to_string(),
        detail: format!("cannot keep a copy of the CA file: {e}"),
    };
    if let Some(dir) = copy.parent() {
        std::fs::create_dir_all(dir).map_err(settings_err)?;
    }
    let before = CaBefore(std::fs::read(copy).ok());
    crate::store::write_atomically(copy, &bytes).map_err(settings_err)?;
    tracing::info!(from = %ca_pem_path.display(), to = %copy.display(), "CA file copied");
    *ca_original = Some(std::mem::replace(ca_pem_path, copy.to_path_buf()));
    Ok(Some(before))
}

/// Removes the app's CA copy of a profile, if there is one.
fn remove_ca_copy(copy: &Path) {
    match std::fs::remove_file(copy) {
        Ok(()) => tracing::info!(path = %copy.display(), "CA copy removed"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(path = %copy.display(), error = %e, "CA copy not removed"),
    }
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
    let profile = state.connections.profile(&id)?;
    state.connections.store().remove(&id)?;
    state.schedules.forget(&id);
    state.runs.audit().record(
        JournalEntry::new(
            JournalAction::ProfileDeleted,
            format!("Delete the connection {}", profile.name),
            JournalAnswer::done(),
        )
        .with_profile(&profile),
    );
    remove_ca_copy(&ca_copy_path(state, &id));
    state.connections.forget_client(&id).await;
    let secrets = state.connections.secrets.clone();
    blocking("keyring call", move || secrets.delete(&id)).await
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
    let mut copy = state.connections.profile(&id)?;
    copy.id = uuid::Uuid::new_v4().to_string();
    copy.name = format!("{} (copy)", copy.name);
    // The copy gets its own CA copy, so deleting either profile leaves the other working.
    let ca_original = match &copy.tls {
        TlsMode::CustomCa { ca_original, .. } => ca_original.clone(),
        _ => None,
    };
    let ca_copy = ca_copy_path(state, &copy.id);
    match keep_ca_copy(&mut copy, &ca_copy) {
        Ok(Some(_)) => {
            if let TlsMode::CustomCa { ca_original: o, .. } = &mut copy.tls {
                *o = ca_original.or(o.take());
            }
        }
        Ok(None) => {}
        // A CA file that is gone already: the copy points where the profile did, and says
        // so when it is used, as the profile does.
        Err(e) => tracing::warn!(error = %e, "CA file of the duplicated profile not copied"),
    }
    let secrets = state.connections.secrets.clone();
    let (from, to) = (id.clone(), copy.id.clone());
    let place = blocking("keyring call", move || match secrets.get(&from)? {
        Some(pw) => secrets.store(&to, &pw),
        None => Ok(PasswordPlace::None),
    })
    .await?;
    let saved = state.connections.store().upsert(copy.clone());
    if let Err(e) = saved {
        let (secrets, id) = (state.connections.secrets.clone(), copy.id.clone());
        let _ = blocking("keyring call", move || secrets.delete(&id)).await;
        remove_ca_copy(&ca_copy);
        return Err(e);
    }
    state
        .runs
        .audit()
        .record(profile_saved_entry(None, &copy, false).with_detail(format!("a copy of {id}")));
    Ok(ProfileView::new(&copy, place, false))
}

/// Remembers the selected profile for the next start.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn select_profile(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.connections.store().select(&id)
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
    let profile = state.connections.profile(&id)?;
    let (secrets, pid) = (state.connections.secrets.clone(), id.clone());
    let place = blocking("keyring call", move || Ok(secrets.place(&pid))).await?;
    let (subscriber_count, round_trip_ms) = match password.filter(|p| !p.is_empty()) {
        Some(pw) => probe(&test_client(&profile, Secret::new(pw))?).await?,
        None => {
            state.connections.forget_client(&id).await;
            probe(&state.connections.client(&id).await?).await?
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
    check_ca_path(state, &profile)?;
    first_problem(problems(state, &profile))?;
    let typed = password.filter(|p| !p.is_empty()).map(Secret::new);
    // Peek at an imported password without consuming it: the save needs it later.
    let imported = password_token.and_then(|t| state.connections.peek_imported_password(&t));
    let pw = match typed.or(imported) {
        Some(p) => Some(p),
        None if !profile.id.is_empty() => {
            let (secrets, id) = (state.connections.secrets.clone(), profile.id.clone());
            blocking("keyring call", move || secrets.get(&id)).await?
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
    // A DXClient settings file names no CA file: nothing is read here.
    let problems = problems(state, &profile);
    Ok(ImportedSettings {
        password_token: password
            .filter(|p| !p.is_empty())
            .map(|p| state.connections.hold_imported_password(p)),
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
    state.connections.profile(&id)?;
    let (secrets, pid) = (state.connections.secrets.clone(), id.clone());
    let place = blocking("keyring call", move || {
        secrets.store(&pid, &Secret::new(password))
    })
    .await?;
    state.connections.forget_client(&id).await;
    Ok(place)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::Connections;
    use crate::dto::TlsDto;
    use crate::runs::RunManager;
    use crate::secrets::Secrets;
    use crate::store::ProfileStore;

    fn state(dir: &Path) -> AppState {
        AppState::new(
            Connections::new(
                ProfileStore::open(&dir.join("data")).unwrap(),
                Secrets::memory_only(),
                dir.join("cache"),
            ),
            RunManager::in_data_dir(&dir.join("data")),
            dir.join("exports"),
            dir.join("logs"),
        )
    }

    fn ca_pem() -> String {
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap()
            .pem()
    }

    fn draft(name: &str, tls: TlsDto) -> ProfileDto {
        let mut p = Profile::new("dx.example.com", "admin");
        p.name = name.into();
        let mut d = ProfileDto::from(&p);
        d.tls = tls;
        d
    }

    fn custom(path: &Path) -> TlsDto {
        TlsDto::CustomCa {
            ca_pem_path: path.display().to_string(),
            ca_original: None,
        }
    }

    #[tokio::test]
    async fn a_saved_ca_file_is_copied_into_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path());
        let original = dir.path().join("elsewhere").join("corp CA.pem");
        std::fs::create_dir_all(original.parent().unwrap()).unwrap();
        let pem = ca_pem();
        std::fs::write(&original, &pem).unwrap();
        state.paths.approve(&original, Access::Read);
        let view = save(
            &state,
            draft("A", custom(&original)),
            Some("pw".into()),
            None,
            false,
        )
        .await
        .unwrap();
        let id = view.profile.id.clone();
        let copy = dir.path().join("data").join("ca").join(format!("{id}.pem"));
        assert_eq!(
            view.profile.tls,
            TlsDto::CustomCa {
                ca_pem_path: copy.display().to_string(),
                ca_original: Some(original.display().to_string()),
            }
        );
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), pem);

        // The original moves away: the profile still validates and builds a client.
        std::fs::remove_file(&original).unwrap();
        let saved = state.connections.profile(&id).unwrap();
        saved.validate().unwrap();
        Client::builder(&saved, Secret::new("pw")).build().unwrap();
        // Saving it again unchanged keeps the copy and where it came from.
        let again = save(&state, view.profile.clone(), None, None, false)
            .await
            .unwrap();
        assert_eq!(again.profile.tls, view.profile.tls);

        // A duplicate gets its own copy; deleting the first profile removes only its copy.
        let dup = duplicate(&state, id.clone()).await.unwrap();
        let dup_copy = ca_copy_path(&state, &dup.profile.id);
        assert_ne!(dup_copy, copy);
        assert_eq!(
            dup.profile.tls,
            TlsDto::CustomCa {
                ca_pem_path: dup_copy.display().to_string(),
                ca_original: Some(original.display().to_string()),
            }
        );
        delete(&state, id).await.unwrap();
        assert!(!copy.exists());
        assert!(dup_copy.exists());

        // Back to the OS store alone: the copy goes.
        let mut plain = dup.profile.clone();
        plain.tls = TlsDto::Verify;
        save(&state, plain, None, None, false).await.unwrap();
        assert!(!dup_copy.exists());
    }

    #[tokio::test]
    async fn a_ca_file_that_is_not_pem_is_refused_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path());
        let bad = dir.path().join("ca.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        state.paths.approve(&bad, Access::Read);
        let err = save(
            &state,
            draft("B", custom(&bad)),
            Some("pw".into()),
            None,
            false,
        )
        .await
        .unwrap_err();
        let wire = serde_json::to_value(&err).unwrap();
        assert_eq!(wire["code"], "invalid_profile");
        assert_eq!(wire["field"], "tls.caPemPath");
        assert!(
            wire["message"].as_str().unwrap().contains("ca.pem"),
            "{wire}"
        );
        assert!(state.connections.store().all().next().is_none());
        assert!(!dir.path().join("data").join("ca").exists());
    }

    #[tokio::test]
    async fn a_typed_ca_path_is_refused_unread_until_chosen_in_the_dialog() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path());
        // Not a certificate: had it been read, the problem would say so.
        let typed = dir.path().join("typed.pem");
        std::fs::write(&typed, "not a certificate").unwrap();
        let d = draft("T", custom(&typed));

        let found = problems(&state, &Profile::from(d.clone()));
        let ca: Vec<_> = found
            .iter()
            .filter(|p| p.field == "tls.caPemPath")
            .collect();
        assert_eq!(ca.len(), 1, "{found:?}");
        assert!(ca[0].message.contains("Choose…"), "{}", ca[0].message);

        let err = save(&state, d.clone(), Some("pw".into()), None, false)
            .await
            .unwrap_err();
        let wire = serde_json::to_value(&err).unwrap();
        assert_eq!(wire["code"], "path_not_allowed", "{wire}");
        assert!(wire["message"].as_str().unwrap().contains("typed.pem"));
        let err = test_unsaved(&state, d.clone(), Some("pw".into()), None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "path_not_allowed");
        assert!(state.connections.store().all().next().is_none());
        assert!(!dir.path().join("data").join("ca").exists());

        // Chosen in the dialog: read, and its real problem named.
        state.paths.approve(&typed, Access::Read);
        let found = problems(&state, &Profile::from(d));
        let ca: Vec<_> = found
            .iter()
            .filter(|p| p.field == "tls.caPemPath")
            .collect();
        assert_eq!(ca.len(), 1, "{found:?}");
        assert!(!ca[0].message.contains("Choose…"), "{}", ca[0].message);
    }

    #[tokio::test]
    async fn plain_http_to_another_host_is_flagged_in_the_view() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path());
        let mut d = draft("C", TlsDto::Verify);
        d.dx_protocol = dx_staging::Protocol::Http;
        let view = save(&state, d.clone(), Some("pw".into()), None, false)
            .await
            .unwrap();
        assert!(view.plaintext_remote && !view.insecure);
        d.id = view.profile.id.clone();
        d.hostname = "127.0.0.1".into();
        let view = save(&state, d, None, None, false).await.unwrap();
        assert!(!view.plaintext_remote);
        assert!(!views(&state).await.unwrap()[0].plaintext_remote);
    }
}
