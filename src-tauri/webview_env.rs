//! The webview's environment, set before the first window (Linux only).
//!
//! WebKitGTK's DMA-BUF renderer starts by looking for a GPU to render with. On a machine without
//! a GPU render node (a virtual machine, Xvfb, most remote desktops) it finds none and falls
//! back, and that search alone held the first frame back by ~0.7 s on the test machine (first
//! paint 1.2 s → 0.55 s with it skipped). Without a render node the renderer has nothing to
//! accelerate with, so it is skipped there; with one, WebKit decides as usual. A value the user
//! set always wins (`WEBKIT_DISABLE_DMABUF_RENDERER=0` keeps WebKit's default).
//!
//! Known cost: in this configuration WebKitWebDriver's screenshot never returns (WebKitGTK
//! 2.50), so the real-window tests that take screenshots set the switch to "0"; one session runs
//! the app as shipped (`tests/real_window`, `Driver::start_as_shipped`).

use std::path::Path;

/// WebKitGTK's switch for its DMA-BUF renderer.
pub const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Whether to skip the DMA-BUF renderer: only when the user did not choose and `dri` (normally
/// `/dev/dri`) holds no `renderD*` node.
pub fn skip_dmabuf_renderer(user_chose: bool, dri: &Path) -> bool {
    if user_chose {
        return false;
    }
    let has_render_node = std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    !has_render_node
}

/// Applies the rule above to this process. Call first thing in `main`, before any thread starts.
pub fn prepare() {
    #[cfg(target_os = "linux")]
    if skip_dmabuf_renderer(
        std::env::var_os(DISABLE_DMABUF).is_some(),
        Path::new("/dev/dri"),
    ) {
        // No other thread exists yet (see above), so changing the environment is sound.
        std::env::set_var(DISABLE_DMABUF, "1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_only_without_a_render_node_and_a_user_choice() {
        let dir = tempfile::tempdir().unwrap();
        let dri = dir.path().join("dri");
        // No /dev/dri at all, or one with only a primary node.
        assert!(skip_dmabuf_renderer(false, &dri));
        std::fs::create_dir(&dri).unwrap();
        std::fs::write(dri.join("card0"), b"").unwrap();
        assert!(skip_dmabuf_renderer(false, &dri));
        // A render node: WebKit decides.
        std::fs::write(dri.join("renderD128"), b"").unwrap();
        assert!(!skip_dmabuf_renderer(false, &dri));
        // The user's own setting wins either way.
        assert!(!skip_dmabuf_renderer(true, dir.path()));
    }
}
