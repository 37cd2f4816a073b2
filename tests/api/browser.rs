//! A real browser for the web pages: Debian's Chromium, driven through its
//! ChromeDriver (WebDriver) with fantoccini. `scripts/test` installs both
//! when missing; nothing here downloads a browser. Each test gets its own
//! driver and an empty profile; screenshots go to `target/screenshots/`.

use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use mydata_navigator::store::Backend;
use serde_json::json;

use crate::helpers::{TestApp, closed_port, repo_path, spawn_app_with};

pub struct Browser {
    pub client: Client,
    /// Where the app is, as the browser reaches it.
    pub origin: String,
    _driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

/// The app on a port chosen beforehand, so that its public origin (where
/// the platform sends browsers back) is where the browser finds it.
pub async fn spawn_app_for_browser(backend: Backend) -> (TestApp, String) {
    let port = closed_port();
    let origin = format!("http://localhost:{port}");
    let public = origin.clone();
    let app = spawn_app_with(backend, move |args| {
        args.listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        args.public_origin = public;
    })
    .await;
    (app, origin)
}

impl Browser {
    pub async fn start(origin: &str) -> Self {
        let port = closed_port();
        let driver = tokio::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver (scripts/ensure-browser.sh installs it)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile folder");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                // A browser in Taiwan: Traditional Chinese first.
                "prefs": {"intl.accept_languages": "zh-TW,zh,en"},
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1100,1400",
                    "--lang=zh-TW",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Self {
            client,
            origin: origin.to_owned(),
            _driver: driver,
            _profile: profile,
        }
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.origin))
            .await
            .expect("the page loads");
    }

    /// The first element matching `css`, waiting up to `seconds` for it.
    pub async fn find(&self, css: &str, seconds: u64) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(seconds))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    /// Waits until `css` matches a displayed element.
    pub async fn visible(&self, css: &str, seconds: u64) -> Element {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            if tokio::time::Instant::now() > deadline {
                let status = self.text_of("#status").await;
                panic!("{css} was not shown; the page says {status:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn text_of(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.visible(css, 10).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.visible(css, 10).await.click().await.expect("click");
    }

    /// Saves what the browser shows as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let folder = repo_path("target/screenshots");
        std::fs::create_dir_all(&folder).expect("screenshot folder");
        std::fs::write(folder.join(format!("{name}.png")), png).expect("screenshot file");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
