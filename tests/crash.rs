//! Crash safety of the real `navigator serve` binary: broker transfers and
//! the two-confirmation consent flow run concurrently, the server is killed
//! with SIGKILL in the middle, and restarted on the same data. Then the
//! audit chain verifies (`navigator audit verify`), every transfer and
//! consent step the client saw acknowledged is in the audit log, every
//! stored package and kept record opens, and no consent is recorded that
//! did not get both confirmations. Three rounds kill at different moments;
//! on SQLite and on a fresh PostgreSQL database.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mydata_navigator::citizens::{Citizen, CitizenDirectory};
use mydata_navigator::sealing::CredentialKey;
use mydata_navigator::spec::DatasetRegistry;
use serde_json::{Value, json};

const TOKEN: &str = "crash-test-operator-token";
const FETCHED: [&str; 3] = ["household.registration", "education.degrees", "tax.income"];
/// Level-low datasets: a knowledge-factor login suffices to consent.
const CONSENTED: [&str; 2] = ["education.degrees", "household.registration"];
const FETCH_WORKERS: usize = 3;
const CONSENT_WORKERS: usize = 2;
/// A round kills the server at the latest after this long under load.
const ROUND_CAP: Duration = Duration::from_secs(25);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("navigator.db").display());
    rounds(dir.path(), &url, Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let dir = tempfile::tempdir().unwrap();
    let database = PgDatabase::create().await;
    rounds(dir.path(), &database.url, Db::Postgres).await;
}

/// When each round pulls the trigger.
#[derive(Debug, Clone, Copy)]
enum KillAfter {
    /// Right after a first confirmation: between the two consents.
    Download,
    /// While second confirmations and callbacks are going through.
    Sends(usize),
    /// Deep in a stream of broker transfers.
    Steps(usize),
}

impl KillAfter {
    fn reached(self, round: &Counters) -> bool {
        match self {
            Self::Download => round.downloads.load(Ordering::SeqCst) >= 1,
            Self::Sends(n) => round.sends.load(Ordering::SeqCst) >= n,
            Self::Steps(n) => round.steps.load(Ordering::SeqCst) >= n,
        }
    }
}

/// What the client saw acknowledged in one round, for the trigger.
#[derive(Default)]
struct Counters {
    steps: AtomicUsize,
    downloads: AtomicUsize,
    sends: AtomicUsize,
}

/// What the client saw, over all rounds: the truth to hold the store to.
#[derive(Default, Debug, Clone)]
struct Ledger {
    /// Acknowledged broker fetches: subject, purpose, datasets delivered.
    fetches: Vec<(String, String, Vec<String>)>,
    /// Per subject: first confirmations acknowledged.
    downloads: BTreeMap<String, usize>,
    /// Per subject: second confirmations sent after an acknowledged first.
    sends_sent: BTreeMap<String, usize>,
    /// Per subject: second confirmations acknowledged.
    sends_acked: BTreeMap<String, usize>,
    /// Per subject: callbacks acknowledged (the package reached the assistant).
    callbacks: BTreeMap<String, usize>,
}

#[derive(Clone, Copy)]
enum Db {
    Sqlite,
    Postgres,
}

async fn rounds(data_dir: &Path, url: &str, db: Db) {
    let citizens: Vec<Citizen> = {
        let directory = CitizenDirectory::embedded(&DatasetRegistry::embedded().unwrap()).unwrap();
        let mut all: Vec<Citizen> = directory.iter().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    };
    let port = free_port();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let moments = [
        KillAfter::Download,
        KillAfter::Sends(2),
        KillAfter::Steps(40),
    ];
    let mut server = Server::start(data_dir, url, port).await;
    let mut delivered_before = 0;
    for (round, moment) in moments.into_iter().enumerate() {
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::new();
        for w in 0..FETCH_WORKERS {
            workers.push(tokio::spawn(fetch_worker(
                server.base.clone(),
                citizens.clone(),
                format!("crash {round}.{w}"),
                w,
                counters.clone(),
                ledger.clone(),
                stop.clone(),
            )));
        }
        for w in 0..CONSENT_WORKERS {
            // A citizen of its own per worker and round.
            let citizen = citizens[40 + round * CONSENT_WORKERS + w].clone();
            workers.push(tokio::spawn(consent_worker(
                server.base.clone(),
                citizen,
                counters.clone(),
                ledger.clone(),
                stop.clone(),
            )));
        }
        let started = Instant::now();
        while !moment.reached(&counters) && started.elapsed() < ROUND_CAP {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let reached = moment.reached(&counters);
        server.kill();
        // A round that never got going proves nothing: it must reach its moment
        // (a flow that fails fast, say with the audit log unwritable, would not).
        if !reached {
            let log = std::fs::read_to_string(data_dir.join("serve.log")).unwrap_or_default();
            let tail: String = log
                .chars()
                .rev()
                .take(3000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            panic!(
                "round {round}: {moment:?} not reached in {ROUND_CAP:?}; server log ends:\n{tail}"
            );
        }
        stop.store(true, Ordering::SeqCst);
        for worker in workers {
            let _ = worker.await;
        }
        eprintln!(
            "round {round}: SIGKILL {:?} ({}) after {:.1} s, {} steps acknowledged ({} downloads, {} sends)",
            moment,
            if reached { "reached" } else { "at the cap" },
            started.elapsed().as_secs_f64(),
            counters.steps.load(Ordering::SeqCst),
            counters.downloads.load(Ordering::SeqCst),
            counters.sends.load(Ordering::SeqCst),
        );

        // The store as the crash left it: the chain verifies.
        let verified = Command::new(env!("CARGO_BIN_EXE_navigator"))
            .args(["audit", "verify", "--database-url", url, "--data-dir"])
            .arg(data_dir)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&verified.stdout).into_owned();
        assert!(verified.status.success(), "round {round}: {said}");
        eprintln!("round {round}: {}", said.trim());

        server = Server::start(data_dir, url, port).await;
        let seen = ledger.lock().unwrap().clone();
        let delivered = seen.fetches.iter().map(|(_, _, d)| d.len()).sum::<usize>();
        assert!(
            delivered > delivered_before,
            "round {round}: no transfer delivered a record"
        );
        delivered_before = delivered;
        check(&server, data_dir, url, db, &seen, round).await;
    }
    server.kill();
}

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// One `navigator serve` process; killed with SIGKILL when dropped.
struct Server {
    child: Option<Child>,
    base: String,
}

impl Server {
    async fn start(data_dir: &Path, url: &str, port: u16) -> Self {
        let log_path = data_dir.join("serve.log");
        // The port may take a moment to be free again after a kill.
        for _ in 0..5 {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_navigator"))
                .arg("serve")
                .arg("--listen")
                .arg(SocketAddr::from(([127, 0, 0, 1], port)).to_string())
                .arg("--data-dir")
                .arg(data_dir)
                .args(["--database-url", url, "--operator-token", TOKEN])
                .args(["--embed-workers", "1"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut server = Self {
                child: Some(child),
                base: format!("http://127.0.0.1:{port}"),
            };
            if server.ready().await {
                return server;
            }
            server.kill();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        panic!("navigator serve did not become ready:\n{log}");
    }

    /// Ready to answer, with the recommender built (conversations need it).
    async fn ready(&mut self) -> bool {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(240);
        while Instant::now() < deadline {
            if let Some(child) = &mut self.child
                && child.try_wait().ok().flatten().is_some()
            {
                return false;
            }
            let asked = client
                .post(format!("{}/api/recommend", self.base))
                .json(&json!({"text": "失業了，該怎麼辦？"}))
                .timeout(Duration::from_secs(30))
                .send()
                .await;
            if asked.is_ok_and(|r| r.status() == 200) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn fetch_worker(
    base: String,
    citizens: Vec<Citizen>,
    tag: String,
    w: usize,
    counters: Arc<Counters>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        let citizen = &citizens[(w * 31 + n * 7) % citizens.len()];
        let subject = citizen.identity.national_id.to_string();
        let purpose = format!("{tag}.{n}");
        n += 1;
        let sent = client
            .post(format!("{base}/api/broker/fetch"))
            .bearer_auth(TOKEN)
            .json(&json!({"subject": subject, "datasets": FETCHED, "purpose": purpose}))
            .send()
            .await;
        // Acknowledged means a 2xx with its whole answer read.
        let reply = match sent {
            Ok(response) if response.status().is_success() => response.json::<Value>().await.ok(),
            _ => None,
        };
        let Some(reply) = reply else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let delivered = reply["outcomes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["status"] == "fetched")
            .filter_map(|o| o["dataset"].as_str().map(str::to_owned))
            .collect();
        ledger
            .lock()
            .unwrap()
            .fetches
            .push((subject, purpose, delivered));
        counters.steps.fetch_add(1, Ordering::SeqCst);
    }
}

async fn consent_worker(
    base: String,
    citizen: Citizen,
    counters: Arc<Counters>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let flow = ConsentFlow {
        client,
        base,
        citizen,
        counters,
        ledger,
    };
    while !stop.load(Ordering::SeqCst) {
        if flow.once().await.is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One citizen going through the assistant's consent request again and
/// again: log in, ask, first confirmation, second, back to the assistant.
struct ConsentFlow {
    client: reqwest::Client,
    base: String,
    citizen: Citizen,
    counters: Arc<Counters>,
    ledger: Arc<Mutex<Ledger>>,
}

impl ConsentFlow {
    fn subject(&self) -> String {
        self.citizen.identity.national_id.to_string()
    }

    fn note(&self, book: impl Fn(&mut Ledger) -> &mut BTreeMap<String, usize>) {
        let mut ledger = self.ledger.lock().unwrap();
        *book(&mut ledger).entry(self.subject()).or_default() += 1;
    }

    async fn post(&self, path: &str, cookie: &str, body: Value) -> Option<reqwest::Response> {
        self.client
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .json(&body)
            .send()
            .await
            .ok()
    }

    async fn once(&self) -> Option<()> {
        let identity = &self.citizen.identity;
        let login = self
            .post(
                "/api/identity/knowledge",
                "",
                json!({"national_id": identity.national_id.as_str(),
                       "nhi_card_number": identity.nhi_card_number,
                       "id_issue_date": identity.id_issue_date}),
            )
            .await?;
        let cookie = login
            .headers()
            .get("set-cookie")?
            .to_str()
            .ok()?
            .split(';')
            .next()?
            .to_owned();
        let started = self
            .post(
                "/api/conversations",
                &cookie,
                json!({"text": "我想知道我的學歷可以申請哪些補助"}),
            )
            .await?;
        if started.status() != 201 {
            return None;
        }
        let started: Value = started.json().await.ok()?;
        let id = started["id"].as_str()?;
        let asked = self
            .post(
                &format!("/api/conversations/{id}/consent"),
                &cookie,
                json!({"datasets": CONSENTED}),
            )
            .await?;
        if asked.status() != 201 {
            return None;
        }
        let asked: Value = asked.json().await.ok()?;
        let opened = self
            .client
            .get(format!("{}{}", self.base, asked["authorize_url"].as_str()?))
            .send()
            .await
            .ok()?;
        let location = opened.headers().get("location")?.to_str().ok()?;
        let request = location.strip_prefix("/consent/")?.to_owned();

        let downloaded = self
            .post(
                &format!("/api/consent/{request}/download"),
                &cookie,
                json!({"datasets": CONSENTED}),
            )
            .await?;
        if !downloaded.status().is_success() || downloaded.bytes().await.is_err() {
            return None;
        }
        self.note(|l| &mut l.downloads);
        self.counters.downloads.fetch_add(1, Ordering::SeqCst);
        self.counters.steps.fetch_add(1, Ordering::SeqCst);

        self.note(|l| &mut l.sends_sent);
        let sent = self
            .post(&format!("/api/consent/{request}/send"), &cookie, json!({}))
            .await?;
        if !sent.status().is_success() {
            return None;
        }
        let sent: Value = sent.json().await.ok()?;
        self.note(|l| &mut l.sends_acked);
        self.counters.sends.fetch_add(1, Ordering::SeqCst);
        self.counters.steps.fetch_add(1, Ordering::SeqCst);

        let back = reqwest::Url::parse(sent["redirect_to"].as_str()?).ok()?;
        let callback = self
            .client
            .get(format!(
                "{}{}?{}",
                self.base,
                back.path(),
                back.query().unwrap_or_default()
            ))
            .header("cookie", &cookie)
            .send()
            .await
            .ok()?;
        if callback.status() == 303 {
            self.note(|l| &mut l.callbacks);
            self.counters.steps.fetch_add(1, Ordering::SeqCst);
        }
        Some(())
    }
}

/// Holds the restarted server and its store to what the client saw.
async fn check(server: &Server, data_dir: &Path, url: &str, db: Db, seen: &Ledger, round: usize) {
    let client = reqwest::Client::new();
    let mut subjects: Vec<&String> = seen.fetches.iter().map(|(s, _, _)| s).collect();
    subjects.extend(seen.sends_sent.keys());
    subjects.extend(seen.downloads.keys());
    subjects.sort();
    subjects.dedup();
    let mut trails: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for subject in subjects {
        let trail: Vec<Value> = client
            .get(format!(
                "{}/api/audit/subjects/{subject}/trail?limit=10000",
                server.base
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        trails.insert(subject, trail);
    }
    let count = |subject: &str, event: &str| {
        trails
            .get(subject)
            .map_or(0, |t| t.iter().filter(|e| e["event"] == event).count())
    };

    // Every transfer acknowledged is on the log.
    let mut transfers = 0;
    for (subject, purpose, datasets) in &seen.fetches {
        for dataset in datasets {
            let logged = trails[subject.as_str()].iter().any(|e| {
                e["event"] == "broker.fetch"
                    && e["purpose"] == purpose.as_str()
                    && e["dataset"] == dataset.as_str()
                    && e["outcome"] == "success"
            });
            assert!(
                logged,
                "round {round}: {purpose} {dataset} acknowledged, not audited"
            );
            transfers += 1;
        }
    }

    // Consents: none without both confirmations; each acknowledged one kept and logged.
    let given: BTreeMap<String, usize> = rows(
        db,
        url,
        "SELECT subject, CAST(COUNT(*) AS TEXT), '' FROM consents GROUP BY subject",
    )
    .await
    .into_iter()
    .map(|(subject, n, _)| (subject, n.parse().unwrap()))
    .collect();
    for (subject, &n) in &given {
        let sent = seen.sends_sent.get(subject).copied().unwrap_or(0);
        assert!(
            n <= sent,
            "round {round}: {n} consents of {subject}, {sent} second confirmations"
        );
    }
    for (subject, &acked) in &seen.sends_acked {
        let n = given.get(subject).copied().unwrap_or(0);
        let granted = count(subject.as_str(), "consent.granted");
        assert!(
            acked <= granted && granted <= n,
            "round {round}: {subject}: {acked} acknowledged, {granted} logged, {n} kept"
        );
    }
    for (subject, &acked) in &seen.downloads {
        assert!(
            count(subject.as_str(), "consent.download") >= acked,
            "round {round}: {subject}"
        );
    }
    for (subject, &acked) in &seen.callbacks {
        assert!(
            count(subject.as_str(), "transfer.package") >= acked,
            "round {round}: {subject}"
        );
    }

    // Every package in the personal cloud, every record a conversation keeps, opens.
    let key = CredentialKey::load_or_create(&data_dir.join("credential-key")).unwrap();
    let packages = rows(db, url, "SELECT id, sealed, '' FROM cloud_packages").await;
    for (id, sealed, _) in &packages {
        let plain = key
            .open_envelope(id, sealed)
            .unwrap_or_else(|e| panic!("package {id}: {e}"));
        let package: Value = serde_json::from_slice(&plain).unwrap();
        assert!(
            !package["items"].as_array().unwrap().is_empty(),
            "{package}"
        );
    }
    let kept = rows(
        db,
        url,
        "SELECT conversation_id, dataset, sealed FROM conversation_records",
    )
    .await;
    for (conversation, dataset, sealed) in &kept {
        let context = format!("conversation-record/{conversation}/{dataset}");
        let plain = key
            .open_envelope(&context, sealed)
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        assert!(serde_json::from_slice::<Value>(&plain).unwrap().is_object());
    }
    eprintln!(
        "round {round}: after restart: {} fetches ({transfers} transfers) acknowledged, all audited; \
         consents kept {} (second confirmations sent {}, acknowledged {}); {} packages and {} kept records open",
        seen.fetches.len(),
        given.values().sum::<usize>(),
        seen.sends_sent.values().sum::<usize>(),
        seen.sends_acked.values().sum::<usize>(),
        packages.len(),
        kept.len(),
    );
}

/// Three text columns of every row `sql` selects, read directly.
async fn rows(db: Db, url: &str, sql: &str) -> Vec<(String, String, String)> {
    match db {
        Db::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
        Db::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }
}

/// A fresh PostgreSQL database, dropped afterwards.
struct PgDatabase {
    url: String,
    name: String,
}

fn postgres_admin_url() -> String {
    std::env::var("NAVIGATOR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl PgDatabase {
    async fn create() -> Self {
        let name = format!("nav_crash_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&postgres_admin_url()).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let base = postgres_admin_url();
        let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
        Self {
            url: format!("{server}/{name}"),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async: a runtime of its own on its own thread.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&postgres_admin_url()).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&drop).execute(&admin).await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}
