//! The shapes that cross to the UI. TypeScript types are generated from these (see
//! [`crate::bindings`]); conversions to and from `dx-staging`'s types live here.

use std::path::PathBuf;

use dx_staging::profile::{EnvSource, SubscriberLink};
use dx_staging::{Profile, Protocol, Timeouts, TlsMode};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::secrets::PasswordPlace;

/// How the server certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum TlsDto {
    /// Verify against the system's trusted roots (default).
    Verify,
    /// Also trust the certificates of this PEM file.
    CustomCa {
        /// Path of the PEM file. Once saved, the app's own copy in its data folder.
        #[serde(rename = "caPemPath")]
        ca_pem_path: String,
        /// Where the file was chosen from, when `caPemPath` is the app's copy (shown only).
        /// Null for a file chosen in the form and not saved yet.
        #[serde(rename = "caOriginal", default)]
        ca_original: Option<String>,
    },
    /// Accept any certificate (insecure, flagged everywhere).
    AcceptInvalid,
}

/// Network time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TimeoutsDto {
    /// Seconds to open a connection.
    pub connect_secs: u32,
    /// Seconds for a whole request.
    pub request_secs: u32,
}

/// A connection profile with DXClient's setting names. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ProfileDto {
    /// Id (empty for a new profile).
    pub id: String,
    /// Name shown in the switcher.
    pub name: String,
    /// `https` or `http`.
    #[serde(rename = "dxProtocol")]
    pub dx_protocol: Protocol,
    /// Host name only (no scheme, no path).
    pub hostname: String,
    /// DX port.
    #[serde(rename = "dxPort")]
    pub dx_port: u32,
    /// Ring API port.
    #[serde(rename = "ringAPIPort")]
    pub ring_api_port: u32,
    /// DAM API port.
    #[serde(rename = "damAPIPort")]
    pub dam_api_port: u32,
    /// Ring API version (`v1`).
    #[serde(rename = "ringAPIVersion")]
    pub ring_api_version: String,
    /// DAM API version (`v1`).
    #[serde(rename = "damAPIVersion")]
    pub dam_api_version: String,
    /// User name.
    #[serde(rename = "dxUsername")]
    pub dx_username: String,
    /// Certificate checking.
    pub tls: TlsDto,
    /// Time limits.
    pub timeouts: TimeoutsDto,
    /// Each subscriber of this publisher (by registration id) linked to its environment's
    /// profile.
    #[serde(rename = "subscriberLinks")]
    pub subscriber_links: Vec<SubscriberLink>,
    /// The one subscriber environment of a profile saved before links existed, kept as the
    /// fallback: it stands for the subscriber whose target host is its host, or, when none is,
    /// for every subscriber not linked otherwise.
    #[serde(rename = "subscriberProfileId")]
    pub subscriber_profile_id: Option<String>,
    /// The DX release's CF level (224 for CF224); null for a current release. Before CF218 a
    /// find is judged by HCL's 30-minute limit, since then by its operations' progress.
    #[serde(rename = "dxCfLevel")]
    pub dx_cf_level: Option<u16>,
}

impl From<&Profile> for ProfileDto {
    fn from(p: &Profile) -> Self {
        ProfileDto {
            id: p.id.clone(),
            name: p.name.clone(),
            // A saved profile was validated, so its protocol reads; one that does not (edited
            // by hand) shows as the default, https.
            dx_protocol: p.protocol().unwrap_or_default(),
            hostname: p.hostname.clone(),
            dx_port: p.dx_port,
            ring_api_port: p.ring_api_port,
            dam_api_port: p.dam_api_port,
            ring_api_version: p.ring_api_version.clone(),
            dam_api_version: p.dam_api_version.clone(),
            dx_username: p.dx_username.clone(),
            tls: match &p.tls {
                TlsMode::Verify => TlsDto::Verify,
                TlsMode::CustomCa {
                    ca_pem_path,
                    ca_original,
                } => TlsDto::CustomCa {
                    ca_pem_path: ca_pem_path.display().to_string(),
                    ca_original: ca_original.as_ref().map(|p| p.display().to_string()),
                },
                TlsMode::AcceptInvalid => TlsDto::AcceptInvalid,
            },
            timeouts: TimeoutsDto {
                connect_secs: u32::try_from(p.timeouts.connect_secs).unwrap_or(u32::MAX),
                request_secs: u32::try_from(p.timeouts.request_secs).unwrap_or(u32::MAX),
            },
            subscriber_links: p.subscriber_links.clone(),
            subscriber_profile_id: p.fallback_subscriber_profile_id.clone(),
            dx_cf_level: p.dx_cf_level,
        }
    }
}

impl From<ProfileDto> for Profile {
    fn from(d: ProfileDto) -> Self {
        Profile {
            id: d.id,
            name: d.name.trim().to_string(),
            dx_protocol: d.dx_protocol.as_str().to_string(),
            hostname: d.hostname.trim().to_string(),
            dx_port: d.dx_port,
            ring_api_port: d.ring_api_port,
            dam_api_port: d.dam_api_port,
            ring_api_version: d.ring_api_version.trim().to_string(),
            dam_api_version: d.dam_api_version.trim().to_string(),
            dx_username: d.dx_username.trim().to_string(),
            tls: match d.tls {
                TlsDto::Verify => TlsMode::Verify,
                TlsDto::CustomCa {
                    ca_pem_path,
                    ca_original,
                } => TlsMode::CustomCa {
                    ca_pem_path: PathBuf::from(ca_pem_path.trim()),
                    ca_original: ca_original
                        .filter(|o| !o.trim().is_empty())
                        .map(PathBuf::from),
                },
                TlsDto::AcceptInvalid => TlsMode::AcceptInvalid,
            },
            timeouts: Timeouts {
                connect_secs: u64::from(d.timeouts.connect_secs),
                request_secs: u64::from(d.timeouts.request_secs),
            },
            subscriber_links: d
                .subscriber_links
                .into_iter()
                .filter(|l| !l.subscriber_id.trim().is_empty() && !l.profile_id.trim().is_empty())
                .collect(),
            fallback_subscriber_profile_id: d
                .subscriber_profile_id
                .filter(|s| !s.trim().is_empty()),
            dx_cf_level: d.dx_cf_level,
        }
    }
}

/// A profile as listed: the settings plus what the app knows about it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    /// The settings.
    pub profile: ProfileDto,
    /// Where its password is.
    pub password: PasswordPlace,
    /// A demo profile (memory only, removed when the app closes).
    pub demo: bool,
    /// Certificate checking is off (shown as a warning).
    pub insecure: bool,
    /// Plain `http://` to a host that is not this machine: the password crosses the network
    /// unencrypted (shown as a warning, like `insecure`).
    pub plaintext_remote: bool,
}

impl ProfileView {
    /// The view of `profile`, its warnings derived from it.
    pub fn new(profile: &Profile, password: PasswordPlace, demo: bool) -> Self {
        ProfileView {
            insecure: profile.tls.is_insecure(),
            plaintext_remote: profile.is_plaintext_remote(),
            profile: ProfileDto::from(profile),
            password,
            demo,
        }
    }
}

/// One problem of a profile, naming its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FieldProblem {
    /// DXClient's name of the field (`hostname`, `dxPort`, ...).
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

/// What "Test connection" found.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    /// The Ring and DAM APIs answered and the login worked.
    pub reachable: bool,
    /// How many subscribers the publisher has registered.
    pub subscriber_count: u32,
    /// Login plus listing the subscribers, milliseconds.
    pub round_trip_ms: u32,
    /// Where the password went, when the test was part of a save.
    pub password: PasswordPlace,
}

/// A profile read from a DXClient settings file, and whether it held a password.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportedSettings {
    /// The profile to review and save (not saved yet).
    pub profile: ProfileDto,
    /// The file held a `dxPassword`; it is kept in memory until the profile is saved, then goes
    /// to the keyring.
    pub password_token: Option<String>,
    /// Every problem of the imported settings.
    pub problems: Vec<FieldProblem>,
}

/// A subscriber registration on the publisher.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberDto {
    /// Registration id.
    pub id: String,
    /// Where the subscriber environment is.
    pub target_host: Option<String>,
    /// Staging sync status.
    pub sync_status: Option<String>,
    /// Sync failure logs.
    pub sync_failure_logs: Option<String>,
    /// Last sync (ISO time).
    pub last_sync_time: Option<String>,
    /// The find/resync status.
    pub resync_status: Option<dx_staging::ResyncStatus>,
    /// Last find/resync (ISO time).
    pub last_resync_time: Option<String>,
    /// Staging cycle length.
    pub cycle_length: Option<f64>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// Created (ISO time).
    pub created: Option<String>,
    /// Updated (ISO time).
    pub updated: Option<String>,
}

impl From<dx_staging::Subscriber> for SubscriberDto {
    fn from(s: dx_staging::Subscriber) -> Self {
        SubscriberDto {
            id: s.id.unwrap_or_default(),
            target_host: s.target_host,
            sync_status: s.sync_status,
            sync_failure_logs: s.sync_failure_logs,
            last_sync_time: s.last_sync_time,
            resync_status: s.resync_status,
            last_resync_time: s.last_resync_time,
            cycle_length: s.cycle_length.map(|c| c as f64),
            enabled: s.status,
            created: s.created,
            updated: s.updated,
        }
    }
}

/// Which environment's operations to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Environment {
    /// The selected (publisher) profile.
    Publisher,
    /// The environment profile of one of its subscribers.
    Subscriber,
}

/// One subscriber of a publisher and its environment's connection: linked, the older single
/// link standing for it, or none yet (with the saved connection whose host matches, offered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberEnvView {
    /// Registration id.
    pub subscriber_id: String,
    /// Where the subscriber is, as the publisher says.
    pub target_host: Option<String>,
    /// The environment's profile, when one is linked (or the fallback stands for it).
    pub profile_id: Option<String>,
    /// That profile's name.
    pub profile_name: Option<String>,
    /// How it was found.
    pub source: Option<EnvSource>,
    /// No environment yet: the saved connection whose host is the target host, to link.
    pub offered_profile_id: Option<String>,
    /// That connection's name.
    pub offered_profile_name: Option<String>,
}

/// An operation of DAM's operation framework.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OperationDto {
    /// Id.
    pub id: String,
    /// Trigger function (`syncStagingMediaContent`, `findStagingMismatch`, ...).
    pub trigger_function: Option<String>,
    /// Status.
    pub status: dx_staging::OperationStatus,
    /// Retries so far.
    pub retry_counter: Option<f64>,
    /// Error details as JSON text, when it failed.
    pub error_info: Option<String>,
    /// Inputs as JSON text.
    pub inputs: Option<String>,
    /// Created (ISO time).
    pub created: Option<String>,
    /// Updated (ISO time).
    pub updated: Option<String>,
}

fn json_text(v: serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::Object(ref o) if o.is_empty() => None,
        other => Some(other.to_string()),
    }
}

impl From<dx_staging::Operation> for OperationDto {
    fn from(o: dx_staging::Operation) -> Self {
        OperationDto {
            id: o.id.unwrap_or_default(),
            trigger_function: o.trigger_function,
            status: o.status,
            retry_counter: o.retry_counter.map(|c| c as f64),
            error_info: json_text(o.error_info),
            inputs: json_text(o.inputs),
            created: o.created,
            updated: o.updated,
        }
    }
}

/// How many operations have one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct StatusCount {
    /// The status.
    pub status: dx_staging::OperationStatus,
    /// How many.
    pub count: u32,
}

/// One page of operations and the counts of the whole filtered set.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OperationsPage {
    /// The operations of this page, newest first.
    pub items: Vec<OperationDto>,
    /// Operations matching the filter.
    pub total: u32,
    /// Counts by status over every operation matching the trigger-function filter.
    pub counts: Vec<StatusCount>,
    /// The profile the operations were read from.
    pub profile_id: String,
}

/// What the app tells the UI at start.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Version of the app.
    pub version: String,
    /// Demo mode is running.
    pub demo: bool,
    /// The profile selected last time.
    pub selected_profile_id: Option<String>,
    /// Where logs are written.
    pub log_dir: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_round_trips_through_the_dto() {
        let mut p = Profile::new("dx.example.com", "admin");
        p.id = "x".into();
        p.tls = TlsMode::CustomCa {
            ca_pem_path: "/data/ca/x.pem".into(),
            ca_original: Some("/etc/ca.pem".into()),
        };
        p.fallback_subscriber_profile_id = Some("y".into());
        p.set_link("sub-1", Some("z"));
        p.dx_cf_level = Some(217);
        let d = ProfileDto::from(&p);
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["dxPort"], 443);
        assert_eq!(v["tls"]["mode"], "customCa");
        assert_eq!(v["tls"]["caPemPath"], "/data/ca/x.pem");
        assert_eq!(v["tls"]["caOriginal"], "/etc/ca.pem");
        assert_eq!(
            v["subscriberLinks"],
            serde_json::json!([{"subscriberId": "sub-1", "profileId": "z"}])
        );
        assert_eq!(v["subscriberProfileId"], "y");
        assert_eq!(v["dxCfLevel"], 217);
        assert_eq!(Profile::from(d), p);
    }
}
