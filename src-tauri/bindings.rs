//! The typed command layer: every command is registered here once; the TypeScript module
//! `ui/src/lib/bindings.ts` is generated from this list (a test fails when it drifts).

use specta_typescript::Typescript;
use tauri_specta::{collect_commands, Builder, ErrorHandlingMode};

use crate::commands::{app, data, fleet, journal, library, profiles, reports, runs, subscribers};

/// Header of the generated file.
pub const HEADER: &str = "// Generated from the Rust commands by tauri-specta. DO NOT EDIT.\n// Regenerate: UPDATE_BINDINGS=1 cargo test -p dam-staging-console bindings\n";

/// Where the generated TypeScript goes, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// The command registry.
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .error_handling(ErrorHandlingMode::Throw)
        .disable_serde_phases()
        .commands(collect_commands![
            app::app_info,
            app::keyring_status,
            app::startup_notices,
            profiles::list_profiles,
            profiles::validate_profile,
            profiles::save_profile,
            profiles::delete_profile,
            profiles::duplicate_profile,
            profiles::select_profile,
            profiles::test_connection,
            profiles::test_draft,
            profiles::import_dxclient_settings,
            profiles::pick_ca_file,
            profiles::set_password,
            data::list_subscribers,
            data::get_subscriber,
            data::list_operations,
            data::subscriber_environments,
            app::start_demo,
            app::open_log_folder,
            runs::list_runs,
            runs::start_runs,
            runs::cancel_run,
            runs::resume_run,
            runs::remove_run,
            runs::delete_mismatch_logs,
            reports::open_report,
            reports::cancel_report_load,
            reports::pick_report_file,
            reports::report_window,
            reports::report_summary,
            reports::report_row,
            reports::close_report,
            reports::default_export_path,
            reports::pick_export_path,
            reports::export_report,
            reports::compare_record,
            library::list_library,
            library::remove_library_report,
            library::compare_reports,
            library::open_library_folder,
            journal::list_journal,
            journal::default_journal_export_path,
            journal::export_journal,
            fleet::fleet_overview,
            fleet::subscriber_drift,
            fleet::queue_finds,
            fleet::list_schedules,
            fleet::set_schedule,
            subscribers::register_subscriber,
            subscribers::deregister_preview,
            subscribers::deregister_subscriber,
            subscribers::reregister_subscriber,
            subscribers::fetch_subscriber_report,
        ])
}

/// Renders the TypeScript bindings to `path`.
pub fn export(path: &std::path::Path) -> Result<(), String> {
    builder()
        .export(Typescript::default().header(HEADER), path)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn bindings_are_up_to_date() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let committed = root.join(super::BINDINGS_PATH);
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("bindings.ts");
        super::export(&fresh).unwrap();
        let fresh_text = std::fs::read_to_string(&fresh).unwrap();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh_text).unwrap();
        }
        let old = std::fs::read_to_string(&committed).unwrap_or_default();
        // A Windows checkout (git's core.autocrlf) may hold the file with CRLF line ends.
        let lf = |t: &str| t.replace("\r\n", "\n");
        assert!(
            lf(&old) == lf(&fresh_text),
            "{} is out of date: run UPDATE_BINDINGS=1 cargo test -p dam-staging-console bindings",
            super::BINDINGS_PATH
        );
    }

    /// Field names whose values are a closed set in the domain (run kinds, phases, outcomes,
    /// rules, error codes, DX statuses, record types and actions, protocols, counts keyed by
    /// action or type, ...): in the generated file each must have a union type, never a bare
    /// `string`.
    const CLOSED_SETS: &[&str] = &[
        "kind",
        "phase",
        "job",
        "result",
        "rule",
        "code",
        "status",
        "resyncStatus",
        "operationStatus",
        "statuses",
        "recordType",
        "recordAction",
        "types",
        "actions",
        "mode",
        "environment",
        "warning",
        "during",
        "dxProtocol",
        "byAction",
        "byType",
    ];

    #[test]
    fn no_field_is_a_string_that_stands_for_a_closed_set() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.ts");
        super::export(&p).unwrap();
        let text = std::fs::read_to_string(p).unwrap();
        let mut found = Vec::new();
        for line in text.lines() {
            let line = line.trim().trim_start_matches('{').trim();
            // Whatever the field's name: pairs keyed by a bare string (counts per action, per
            // type, ...) are keyed by a domain type instead.
            if line.contains("[string, ") {
                found.push(line.to_string());
                continue;
            }
            for name in CLOSED_SETS {
                for sep in [": ", "?: "] {
                    let Some(rest) = line.strip_prefix(&format!("{name}{sep}")) else {
                        continue;
                    };
                    let ty = rest.trim_end_matches([',', ';', ' ', '}']);
                    if ty
                        .split(['|', '[', ']', '(', ')', ' '])
                        .any(|part| part == "string")
                    {
                        found.push(line.to_string());
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "fields of a closed set typed as string in the bindings: {found:#?}"
        );
        // The check sees the fields it is about.
        assert!(text.contains("kind: RunKind"), "RunView.kind is a RunKind");
        assert!(
            text.contains("code: AppErrorCode"),
            "errors carry an AppErrorCode"
        );
        assert!(
            text.contains("dxProtocol: Protocol"),
            "profiles carry a Protocol"
        );
        assert!(
            text.contains("byAction: ([RecordAction, number])[]"),
            "counts by action are keyed by RecordAction"
        );
    }

    #[test]
    fn every_command_has_a_permission() {
        let listed: Vec<&str> = env!("DSC_COMMANDS").split(',').collect();
        let text = {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("b.ts");
            super::export(&p).unwrap();
            std::fs::read_to_string(p).unwrap()
        };
        for cmd in &listed {
            assert!(
                text.contains(&format!(">(\"{cmd}\"")),
                "{cmd} is in build.rs but not registered"
            );
        }
        assert_eq!(text.matches("__TAURI_INVOKE<").count(), listed.len());
        let caps = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities/main.json"),
        )
        .unwrap();
        for cmd in &listed {
            assert!(caps.contains(&format!("\"allow-{}\"", cmd.replace('_', "-"))));
        }
    }
}
