//! What the real-window tests need: a temporary HOME, the `dam-sim` simulator, `tauri-driver`
//! and one WebDriver session at a time on the built app (debug).

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::{json, Value};

/// WebKitWebDriver allows one session at a time: tests take this lock (an async mutex, since a
/// test holds it across its awaits).
pub static ONE_SESSION: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Takes the one-session lock for the whole test.
pub async fn one_session() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_SESSION.lock().await
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target folder (`CARGO_TARGET_DIR` or `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The folder of the binaries built by the same profile as this test (`debug/`, or `release/`
/// when `scripts/bench.sh` runs a suite with `cargo test --release` to measure the release app).
pub fn profile_dir() -> PathBuf {
    target_dir().join(if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    })
}

/// TCP connections the WebDriver client has opened to `tauri-driver`, over all sessions.
pub static DRIVER_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// fantoccini's connector (hyper's `HttpConnector`), counting the connections it opens, so a
/// test can check that commands travel over one kept-alive connection. `tauri-driver` loses
/// about 1 command in 20 when each command comes on a new connection (its proxy closes some
/// without an answer); over a kept-alive connection it loses none.
#[derive(Clone)]
pub struct CountingConnector(Http);

type Http = hyper_util::client::legacy::connect::HttpConnector;

// Generic over the request (hyper's `Uri`) so the test needs no `http` dependency of its own.
impl<Req> tower_service::Service<Req> for CountingConnector
where
    Http: tower_service::Service<Req>,
    <Http as tower_service::Service<Req>>::Future: Send + 'static,
{
    type Response = <Http as tower_service::Service<Req>>::Response;
    type Error = <Http as tower_service::Service<Req>>::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        DRIVER_CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        Box::pin(self.0.call(req))
    }
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A temporary HOME with its XDG folders; removed on drop.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("dsc-home-")
            .tempdir()
            .expect("temp home");
        for sub in [".local/share", ".config", ".cache", "runtime", "Documents"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("xdg dir");
        }
        // A desktop's user folders, as xdg-user-dirs writes them: the app's export folder is
        // Documents/store/outputFiles.
        std::fs::write(
            dir.path().join(".config/user-dirs.dirs"),
            "XDG_DOCUMENTS_DIR=\"$HOME/Documents\"\n",
        )
        .expect("user-dirs.dirs");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                dir.path().join("runtime"),
                std::fs::Permissions::from_mode(0o700),
            );
        }
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The environment the app runs with.
    pub fn env(&self) -> Vec<(String, PathBuf)> {
        let h = self.path();
        vec![
            ("HOME".into(), h.to_path_buf()),
            ("XDG_DATA_HOME".into(), h.join(".local/share")),
            ("XDG_CONFIG_HOME".into(), h.join(".config")),
            ("XDG_CACHE_HOME".into(), h.join(".cache")),
            ("XDG_RUNTIME_DIR".into(), h.join("runtime")),
        ]
    }

    /// The app's saved profiles file (`None` when never written).
    pub fn profiles_file(&self) -> Option<Value> {
        let p = self
            .path()
            .join(".local/share/io.github.dam-staging-console/profiles.json");
        let text = std::fs::read_to_string(p).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Every file under HOME whose bytes contain `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        let mut hits = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file() {
                    if let Ok(bytes) = std::fs::read(&p) {
                        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                            hits.push(p);
                        }
                    }
                }
            }
        }
        hits
    }
}

/// A child process killed on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `dam-sim` process and the JSON line it printed when ready.
pub struct Sim {
    pub info: Value,
    _proc: Proc,
    _dir: tempfile::TempDir,
}

impl Sim {
    /// Runs `dam-sim ARGS...` (`demo` gets `--dir TMP`) and waits for its JSON line.
    pub fn start(args: &[&str]) -> Sim {
        let bin = profile_dir().join("dam-sim");
        assert!(
            bin.exists(),
            "{} is missing: run `cargo test --workspace --no-run` (scripts/test.sh does)",
            bin.display()
        );
        let dir = tempfile::tempdir().expect("sim dir");
        let mut cmd = Command::new(&bin);
        cmd.args(args);
        if args.first() == Some(&"demo") {
            cmd.arg("--dir").arg(dir.path());
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start dam-sim");
        let stdout = child.stdout.take().expect("dam-sim stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("dam-sim's ready line");
        let info: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("dam-sim printed {line:?}: {e}"));
        Sim {
            info,
            _proc: Proc(child),
            _dir: dir,
        }
    }

    /// A string field of the ready line, looked up by JSON pointer.
    pub fn get(&self, pointer: &str) -> String {
        match self.info.pointer(pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => panic!("dam-sim's ready line has no {pointer}: {}", self.info),
        }
    }
}

/// The built app under test.
pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dam-staging-console"))
}

/// Process ids of running copies of the app under test (Linux: `/proc/*/exe`; elsewhere none
/// are found, and the real-window tests run on Linux only).
pub fn app_pids() -> Vec<u32> {
    let app = std::fs::canonicalize(app_binary()).unwrap_or_else(|_| app_binary());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(e.path().join("exe")).ok()?;
            (exe == app).then_some(pid)
        })
        .collect()
}

/// Waits until no copy of the app runs, ending stragglers after `patience`.
///
/// The app is single-instance (`tauri-plugin-single-instance`, a well-known name on the D-Bus
/// session bus that all tests share): a new copy started while the previous test's copy is still
/// shutting down forwards its arguments to it and exits ("failed to forward arguments to the
/// running instance"), and WebKitWebDriver then waits for a browser that is gone. So each session
/// starts only when the last copy has exited.
pub fn wait_until_no_app_runs(patience: Duration) {
    let deadline = Instant::now() + patience;
    loop {
        let pids = app_pids();
        if pids.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            eprintln!("the app is still running after {patience:?}: ending {pids:?}");
            for pid in pids {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            std::thread::sleep(Duration::from_millis(300));
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `http://127.0.0.1:PORT` → (`127.0.0.1`, PORT).
pub fn host_port(url: &str) -> (String, u16) {
    let rest = url.split("://").nth(1).unwrap_or(url).trim_end_matches('/');
    let (h, p) = rest.rsplit_once(':').expect("url with a port");
    (h.to_string(), p.parse().expect("port"))
}

/// `tauri-driver` on free ports, with the app's environment. Its output, and that of the
/// WebKitWebDriver and the app it starts, goes to `log` (printed when a session fails).
pub struct Driver {
    pub url: String,
    pub log: PathBuf,
    proc: Proc,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM first: tauri-driver then ends the WebKitWebDriver it started.
        let _ = Command::new("kill")
            .args(["-TERM", &self.proc.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.proc.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Driver {
    pub fn start(home: &Home) -> Driver {
        Driver::start_with_env(home, &[])
    }

    /// As [`Driver::start`], with more environment variables for the app (an administrator's
    /// settings, such as `DAM_STAGING_STUCK_LIMIT_SECS`).
    ///
    /// The app skips WebKitGTK's DMA-BUF renderer where there is no GPU render node (as on this
    /// machine: `src-tauri/webview_env.rs`), and in that configuration WebKitWebDriver's
    /// screenshot never returns (WebKitGTK 2.50). These sessions take screenshots, so they set
    /// the renderer's switch to WebKit's default ("0"), a user's choice the app respects;
    /// [`Driver::start_as_shipped`] leaves the app to decide, for a session without screenshots.
    pub fn start_with_env(home: &Home, extra: &[(&str, &str)]) -> Driver {
        let mut env = vec![("WEBKIT_DISABLE_DMABUF_RENDERER", "0")];
        env.extend_from_slice(extra);
        Driver::spawn(home, &env)
    }

    /// The app exactly as it ships (it decides its webview's renderer itself). No WebDriver
    /// screenshot in such a session.
    pub fn start_as_shipped(home: &Home) -> Driver {
        Driver::spawn(home, &[])
    }

    fn spawn(home: &Home, extra: &[(&str, &str)]) -> Driver {
        let port = free_port();
        let native = free_port();
        let bin = which("tauri-driver");
        let log_dir = target_dir().join("real-window-logs");
        std::fs::create_dir_all(&log_dir).expect("log dir");
        let log = log_dir.join(format!("tauri-driver-{port}.log"));
        let out = std::fs::File::create(&log).expect("driver log");
        let err = out.try_clone().expect("driver log");
        let mut cmd = Command::new(bin);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(out)
        .stderr(err);
        for (k, v) in home.env() {
            cmd.env(k, v);
        }
        cmd.env_remove("WEBKIT_DISABLE_DMABUF_RENDERER");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start tauri-driver");
        let proc = Proc(child);
        // Both must listen before the first command: tauri-driver answers on its port at once,
        // but a request it cannot forward yet (WebKitWebDriver still starting on the native port)
        // is dropped without an answer ("IncompleteMessage" at the new session).
        let deadline = Instant::now() + Duration::from_secs(20);
        for (what, p) in [("tauri-driver", port), ("WebKitWebDriver", native)] {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(Instant::now() < deadline, "{what} did not listen on {p}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Driver {
            url: format!("http://127.0.0.1:{port}"),
            log,
            proc,
        }
    }

    /// Opens the app (a new session); `args` are the app's command-line arguments.
    pub async fn open(&self, args: &[&str]) -> Client {
        wait_until_no_app_runs(Duration::from_secs(15));
        let app = app_binary();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": app, "args": args }),
        );
        caps.insert("browserName".into(), json!("wry"));
        // Starting the app can outlast the driver's patience on a loaded machine: try again
        // (said loudly, so a run that needed it shows it).
        let mut last = None;
        for attempt in 1..=3 {
            if attempt > 1 {
                wait_until_no_app_runs(Duration::from_secs(15));
            }
            let connector = CountingConnector(Http::new());
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&self.url)
                .await
            {
                Ok(c) => return c,
                Err(e) => {
                    eprintln!("SESSION RETRY: WebDriver session, attempt {attempt}: {e:?}");
                    last = Some(e);
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
        panic!("no WebDriver session on the app: {last:?}");
    }
}

fn which(name: &str) -> PathBuf {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    let home_bin = PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
        .join(".cargo/bin")
        .join(name);
    assert!(
        home_bin.is_file(),
        "{name} is not installed (scripts/setup.sh installs it)"
    );
    home_bin
}

/// Waits for an element by CSS selector.
pub async fn wait_css(c: &Client, css: &str) -> Element {
    wait_css_within(c, css, Duration::from_secs(30)).await
}

/// Waits up to `patience` for an element by CSS selector.
pub async fn wait_css_within(c: &Client, css: &str, patience: Duration) -> Element {
    c.wait()
        .at_most(patience)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css} within {patience:?}: {e}"))
}

/// Waits until the element's text contains `needle`; returns the text.
pub async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if t.contains(needle) {
                    return t;
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    panic!("{css} never contained {needle:?}; last text: {last:?}");
}

/// Clicks the element matching `css`.
pub async fn click(c: &Client, css: &str) {
    let e = wait_css(c, css).await;
    scroll_into_view(c, &e).await;
    e.click()
        .await
        .unwrap_or_else(|err| panic!("click {css}: {err:?}"));
}

/// Scrolls an element to the middle of its scrolling area.
pub async fn scroll_into_view(c: &Client, e: &Element) {
    let arg = serde_json::to_value(e).expect("element reference");
    let _ = c
        .execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])
        .await;
}

/// Replaces the value of an input.
pub async fn fill(c: &Client, css: &str, text: &str) {
    let e = wait_css(c, css).await;
    scroll_into_view(c, &e).await;
    e.clear()
        .await
        .unwrap_or_else(|err| panic!("clear {css}: {err}"));
    // `clear` does not fire `input`; select-all + type does, so the UI sees every change.
    e.send_keys(&format!("{}{}", '\u{E009}', 'a')).await.ok();
    e.send_keys('\u{E003}'.to_string().as_str()).await.ok();
    e.send_keys(text)
        .await
        .unwrap_or_else(|err| panic!("type into {css}: {err}"));
}

/// Writes a screenshot of the window into `docs/screenshots/NAME.png`.
pub async fn screenshot(c: &Client, name: &str) {
    // DSC_SCREENSHOTS_DIR: elsewhere than the README's pictures (scripts/bench.sh sets it).
    let dir = std::env::var_os("DSC_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("docs/screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    screenshot_at(c, &dir.join(format!("{name}.png"))).await;
}

/// Writes a screenshot of the window into `path`.
pub async fn screenshot_at(c: &Client, path: &Path) {
    // Let the last change paint before the capture.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(path, png).expect("write screenshot");
}

/// Closes the session (which closes the app); always called, also after a failure.
pub async fn close(c: Client) {
    let _ = c.close().await;
}

/// Runs `body` on a fresh session and always deletes the session, also when `body` panics
/// (after saving a screenshot of the failure in `target/real-window-failure.png`).
pub async fn session<F, Fut>(driver: &Driver, args: &[&str], body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    let c = driver.open(args).await;
    let result = AssertUnwindSafe(body(c.clone())).catch_unwind().await;
    if result.is_err() {
        // Bounded: in the shipped webview configuration a WebDriver screenshot may never return
        // (see `Driver::start_as_shipped`).
        if let Ok(Ok(png)) = tokio::time::timeout(Duration::from_secs(15), c.screenshot()).await {
            let path = root().join("target/real-window-failure.png");
            let _ = std::fs::write(&path, png);
            eprintln!("screenshot of the failure: {}", path.display());
        }
        let log = std::fs::read_to_string(&driver.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        eprintln!(
            "last lines of {} (tauri-driver, WebKitWebDriver, the app):\n{}",
            driver.log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    close(c).await;
    wait_until_no_app_runs(Duration::from_secs(15));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
