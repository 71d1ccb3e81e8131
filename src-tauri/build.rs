//! Tauri build script: generates the app context from `tauri.conf.json`, the app's command
//! permissions (one `allow-<command>` per command below) and the capabilities in
//! `src-tauri/capabilities/`.

/// Every command of the app; a unit test checks this list against the registered commands.
const COMMANDS: &[&str] = &[
    "app_info",
    "keyring_status",
    "startup_notices",
    "list_profiles",
    "validate_profile",
    "save_profile",
    "delete_profile",
    "duplicate_profile",
    "select_profile",
    "test_connection",
    "test_draft",
    "import_dxclient_settings",
    "pick_ca_file",
    "set_password",
    "list_subscribers",
    "get_subscriber",
    "list_operations",
    "subscriber_environments",
    "start_demo",
    "open_log_folder",
    "list_runs",
    "start_runs",
    "cancel_run",
    "resume_run",
    "remove_run",
    "delete_mismatch_logs",
    "open_report",
    "cancel_report_load",
    "pick_report_file",
    "report_window",
    "report_summary",
    "report_row",
    "close_report",
    "default_export_path",
    "pick_export_path",
    "export_report",
    "compare_record",
    "list_library",
    "remove_library_report",
    "compare_reports",
    "open_library_folder",
    "list_journal",
    "default_journal_export_path",
    "export_journal",
    "fleet_overview",
    "subscriber_drift",
    "queue_finds",
    "list_schedules",
    "set_schedule",
    "register_subscriber",
    "deregister_preview",
    "deregister_subscriber",
    "reregister_subscriber",
    "fetch_subscriber_report",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rustc-env=DSC_COMMANDS={}", COMMANDS.join(","));
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/*.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}
