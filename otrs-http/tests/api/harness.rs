//! The headless-Chromium harness shared by the browser tests: finding chromedriver and
//! Chromium (a loud skip without them), starting the driver and a browser session, signing in,
//! screenshots, and waiting for the page or the address to change.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::net::TcpListener;

pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The driver and browser, or `None` after a loud skip line.
pub(crate) fn tools() -> Option<(PathBuf, PathBuf)> {
    let driver = find_program(&["chromedriver"]);
    let browser = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    if let (Some(d), Some(b)) = (&driver, &browser) {
        return Some((d.clone(), b.clone()));
    }
    let what = "otrs-http browser tests (chromedriver and chromium are not installed: apt-get install -y chromium chromium-driver)";
    if std::env::var("OTRS_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("{what}, and OTRS_TEST_REQUIRE_ALL=1 forbids skipping");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "!!!! SKIPPED {what} !!!!");
    if let Ok(log) = std::env::var("OTRS_TEST_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
    {
        let _ = writeln!(file, "{what}");
    }
    None
}

/// Where screenshots go: `OTRS_SCREENSHOT_DIR`, or the test's scratch folder.
pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("OTRS_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

pub(crate) async fn start_driver(driver: &Path) -> Driver {
    let port = free_port().await;
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { child, port }
}

pub(crate) async fn browser(driver: &Driver, chromium: &Path, downloads: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
            }
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

pub(crate) async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(name), png).unwrap();
}

pub(crate) async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits up to `secs` for `check` on the page source.
pub(crate) async fn wait_source(c: &Client, secs: u64, check: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let html = c.source().await.unwrap();
        if check(&html) || tokio::time::Instant::now() > deadline {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits up to five seconds for the address to contain `needle` (after a click that navigates).
pub(crate) async fn wait_url(c: &Client, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let url = c.current_url().await.unwrap();
        if url.as_str().contains(needle) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still at {url}, waiting for {needle}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("otrs-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Signs in through the agent sign-in form with a password (no second factor).
pub(crate) async fn sign_in(c: &Client, base: &str, login: &str, password: &str) {
    c.goto(&format!("{base}/agent")).await.unwrap();
    wait_url(c, "/agent/login").await;
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys(login)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == "/agent" {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not signed in: still at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Serves the application on a free local port until the test ends; the base address.
pub(crate) async fn serve(state: otrs_http::AppState<otrs_core::store::MemoryStore>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(otrs_http::serve(listener, state, std::future::pending()));
    format!("http://127.0.0.1:{port}")
}
