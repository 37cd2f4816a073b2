//! `spawn_app`: the real server on port 0 with a fresh store per test (a
//! temporary SQLite file, or a new PostgreSQL database dropped afterwards).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use mydata_navigator::app::Application;
use mydata_navigator::broker::token::SigningKey;
use mydata_navigator::citizens::{Citizen, CitizenDirectory};
use mydata_navigator::config::ServeArgs;
use mydata_navigator::spec::DatasetRegistry;
use mydata_navigator::store::{Backend, Store};
use mydata_navigator::understand::Understander;
use secrecy::SecretString;
use tokio::sync::oneshot;

/// Generates `mod NAME { sqlite, postgres }` test pairs from one async fn
/// taking a [`Backend`].
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(mydata_navigator::store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(mydata_navigator::store::Backend::Postgres).await
            }
        }
    )*};
}
pub(crate) use on_both_stores;

pub const OPERATOR_TOKEN: &str = "test-operator-token";

/// The PostgreSQL server tests create their databases on.
fn postgres_admin_url() -> String {
    std::env::var("NAVIGATOR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of its own for one test; dropped with the value.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Self {
                backend,
                url: format!("sqlite://{}", dir.path().join("test.db").display()),
                pg_name: None,
                _dir: dir,
            },
            Backend::Postgres => {
                let name = format!("nav_test_{}", uuid::Uuid::new_v4().simple());
                let admin = sqlx::PgPool::connect(&postgres_admin_url()).await.expect(
                    "PostgreSQL at 127.0.0.1:5432 (see README: the test command starts it)",
                );
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                let base = postgres_admin_url();
                let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
                Self {
                    backend,
                    url: format!("{server}/{name}"),
                    pg_name: Some(name),
                    _dir: dir,
                }
            }
        }
    }

    /// The single number a `SELECT COUNT(*) …` gives, read directly.
    pub async fn count(&self, sql: &str) -> i64 {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("connect");
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.expect("count");
                pool.close().await;
                n
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
                let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.expect("count");
                pool.close().await;
                n
            }
        }
    }

    /// Runs raw SQL on the database, bypassing the application: what an
    /// intruder with database access could do.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await?;
                let done = sqlx::raw_sql(sql).execute(&pool).await?.rows_affected();
                pool.close().await;
                Ok(done)
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await?;
                let done = sqlx::raw_sql(sql).execute(&pool).await?.rows_affected();
                pool.close().await;
                Ok(done)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread
        // removes the database even while the test's runtime winds down.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&postgres_admin_url()).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                        admin.close().await;
                    }
                });
            }
        })
        .join();
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub data_dir: tempfile::TempDir,
    pub db: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn key_path(&self) -> PathBuf {
        self.data_dir.path().join("broker-signing-key.pem")
    }

    /// The broker's own signing key, to forge nothing but craft edge cases.
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::load_or_create(&self.key_path()).expect("broker key")
    }

    pub async fn fetch(&self, subject: &str, datasets: &[&str]) -> reqwest::Response {
        self.client
            .post(self.url("/api/broker/fetch"))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&serde_json::json!({
                "subject": subject,
                "datasets": datasets,
                "purpose": "integration test",
            }))
            .send()
            .await
            .expect("request")
    }

    /// Waits until `/readyz` says the server can answer questions (the
    /// recommender is built from the catalogue a while after start).
    pub async fn ready(&self) {
        for _ in 0..600 {
            let response = self.client.get(self.url("/readyz")).send().await;
            if response.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        panic!("the server never became ready");
    }

    pub async fn trail(&self, subject: &str) -> Vec<serde_json::Value> {
        let response = self
            .client
            .get(self.url(&format!("/api/audit/subjects/{subject}/trail")))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        response.json().await.expect("trail JSON")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    spawn_app_on(backend, understander().clone(), configure).await
}

/// As [`spawn_app_with`], around a model of its own: a test that floods
/// the embedding workers does not slow the others' shared ones.
pub async fn spawn_app_on(
    backend: Backend,
    understander: Understander,
    configure: impl FnOnce(&mut ServeArgs),
) -> TestApp {
    // Server logs (errors, or what RUST_LOG asks for) show with a failing test.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let db = TestDatabase::create(backend).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut args = ServeArgs::embedded(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir.path().to_path_buf(),
    );
    args.store.database_url = Some(db.url.clone());
    args.operator_token = Some(SecretString::from(OPERATOR_TOKEN));
    configure(&mut args);
    let app = Application::build_with(args, understander)
        .await
        .expect("application builds");
    let addr = app.local_addr();
    let store = app.store();
    let (shutdown, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        store,
        data_dir,
        db,
        shutdown: Some(shutdown),
    }
}

/// A client that, like a browser asked to show where it is sent, does not
/// follow redirects: the test reads each `Location` itself.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The repository's root: model paths are relative to it.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The real model and trained heads, loaded once for the whole test binary
/// (scripts/test fetches the model and trains the heads first).
pub fn understander() -> &'static Understander {
    static UNDERSTANDER: OnceLock<Understander> = OnceLock::new();
    UNDERSTANDER.get_or_init(|| {
        Understander::load(
            &repo_path("models/multilingual-e5-small"),
            &repo_path("models/classifier.json"),
            2,
        )
        .expect("the model and classifier (run scripts/fetch-model.sh, navigator train needs)")
    })
}

pub fn registry() -> DatasetRegistry {
    DatasetRegistry::embedded().expect("embedded registry")
}

pub fn citizens() -> CitizenDirectory {
    CitizenDirectory::embedded(&registry()).expect("embedded citizens")
}

/// A citizen that exists, chosen deterministically.
pub fn some_citizen() -> Citizen {
    let mut all: Vec<_> = citizens().iter().cloned().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all.into_iter()
        .next()
        .expect("at least one synthetic citizen")
}

/// A well-formed national ID that belongs to no synthetic citizen.
pub fn stranger_id() -> String {
    let directory = citizens();
    (0..100_000_000u32)
        .map(|n| with_check_digit(&format!("Z1{n:07}")))
        .find(|id| {
            let parsed = mydata_navigator::ids::NationalId::parse(id).expect("valid");
            directory.get(&parsed).is_none()
        })
        .expect("a free id")
}

fn with_check_digit(first_nine: &str) -> String {
    (0..10)
        .map(|d| format!("{first_nine}{d}"))
        .find(|id| mydata_navigator::ids::NationalId::parse(id).is_ok())
        .expect("one check digit fits")
}

/// A TCP port on loopback with nothing listening.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A server that accepts connections and answers only after `delay`.
pub async fn slow_server(delay: std::time::Duration) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = axum::Router::new().fallback(move || async move {
        tokio::time::sleep(delay).await;
        "too late"
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// A server that answers every request with `status` and `body`.
pub async fn fixed_server(status: u16, body: &'static str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status).expect("status"),
            body,
        )
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// Posts JSON as a patient client would: while the server answers 503
/// (the recommender still being built), it waits as `Retry-After` says and
/// asks again. The status and the body (`null` when there is none).
pub async fn post_patiently(
    app: &TestApp,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    for _ in 0..30 {
        let response = app
            .client
            .post(app.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 503 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            continue;
        }
        return (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        );
    }
    panic!("the server was never ready");
}

/// A stand-in for one remote agency: forwards to the real provider mounted
/// on the app (set `target` once the app runs) unless `failing` is on, when
/// it answers 503 as an agency in trouble would.
#[derive(Clone, Default)]
pub struct FlakyAgency {
    pub target: Arc<std::sync::Mutex<Option<String>>>,
    pub failing: Arc<std::sync::atomic::AtomicBool>,
}

impl FlakyAgency {
    /// Listens on loopback; the base URL to configure for the agency.
    pub async fn start(&self) -> reqwest::Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let agency = self.clone();
        let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let agency = agency.clone();
            async move { agency.forward(request).await }
        });
        tokio::spawn(async move { axum::serve(listener, router).await });
        reqwest::Url::parse(&format!("http://{addr}/")).expect("url")
    }

    async fn forward(
        &self,
        request: axum::extract::Request,
    ) -> (axum::http::StatusCode, axum::http::HeaderMap, Vec<u8>) {
        use std::sync::atomic::Ordering;
        let unavailable = || {
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::http::HeaderMap::new(),
                b"down for maintenance".to_vec(),
            )
        };
        let target = self.target.lock().expect("lock").clone();
        let Some(target) = target.filter(|_| !self.failing.load(Ordering::SeqCst)) else {
            return unavailable();
        };
        let path = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let mut forwarded = reqwest::Client::new().get(format!("{target}{path}"));
        for (name, value) in request.headers() {
            if name != "host" {
                forwarded = forwarded.header(name.as_str(), value.as_bytes());
            }
        }
        let Ok(response) = forwarded.send().await else {
            return unavailable();
        };
        let status = axum::http::StatusCode::from_u16(response.status().as_u16())
            .unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
        let mut headers = axum::http::HeaderMap::new();
        if let Some(kind) = response.headers().get("content-type")
            && let Ok(kind) = axum::http::HeaderValue::from_bytes(kind.as_bytes())
        {
            headers.insert("content-type", kind);
        }
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        (status, headers, body)
    }
}

/// The service ids of a reply (or a recommendation), in ranked order.
pub fn service_ids(reply: &serde_json::Value) -> Vec<&str> {
    reply["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect()
}
