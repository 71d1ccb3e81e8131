//! The desktop app's entry point; everything lives in the library so that it can be tested.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    dam_staging_console::webview_env::prepare();
    dam_staging_console::run();
}
