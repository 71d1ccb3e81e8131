//! The system tray icon, shown while scheduled checks keep the app running with its window
//! closed: "Open" brings the window back, "Quit" ends the app (and its scheduled checks).
//!
//! Not every desktop has a tray (or, on Linux, the AppIndicator library): then there is no
//! icon, and starting the app again brings the window back (single instance).

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

const TRAY_ID: &str = "main";

/// Set once the tray could not be made: it is not tried again.
static UNAVAILABLE: AtomicBool = AtomicBool::new(false);

/// Shows the main window again, in front.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Makes the tray icon if there is none yet; `false` when this desktop has no tray.
pub fn ensure(app: &AppHandle) -> bool {
    if app.tray_by_id(TRAY_ID).is_some() {
        return true;
    }
    if UNAVAILABLE.load(Ordering::Relaxed) {
        return false;
    }
    // The Linux tray library panics when its system library is missing.
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(app)));
    match made {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "no tray icon");
            UNAVAILABLE.store(true, Ordering::Relaxed);
            false
        }
        Err(_) => {
            tracing::warn!("no tray icon: this desktop has no tray library");
            UNAVAILABLE.store(true, Ordering::Relaxed);
            false
        }
    }
}

fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open DAM Staging Console", true, None::<&str>)?;
    let quit = MenuItem::with_id(
        app,
        "quit",
        "Quit (scheduled checks stop)",
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("DAM Staging Console: scheduled checks")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_main(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}
