//! Load on the whole consent flow, as service providers and citizens drive
//! it over HTTP: the provider pushes its request (PAR, signed client
//! assertion, PKCE), the citizen's browser opens it, the citizen confirms
//! the download and then the sending, the provider redeems the code and
//! fetches, decrypts and verifies the package. A fixed number of flows run
//! at once for a bounded time, against a server on loopback.
//!
//! ```text
//! cargo run --release --example consent_load -- \
//!     http://127.0.0.1:18080 OPERATOR_TOKEN [concurrency=8] [seconds=30]
//! ```
//!
//! wrk drives single requests; this flow is seven signed, stateful steps,
//! so it runs on the same provider client a real provider would use. Each
//! worker is one citizen, logged in at `substantial` (knowledge factors and
//! an authenticator code) before the clock starts, as a citizen would be.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mydata_navigator::citizens::{Citizen, CitizenDirectory};
use mydata_navigator::provider_client::ProviderClient;
use mydata_navigator::spec::DatasetRegistry;
use serde_json::{Value, json};

type Failure = Box<dyn std::error::Error + Send + Sync>;

const STEPS: [&str; 7] = [
    "par",
    "authorize",
    "download",
    "send",
    "token",
    "package",
    "open",
];
const SCOPE: &str = "household.registration tax.income";

#[derive(Default)]
struct Tally {
    flows: Vec<Duration>,
    steps: BTreeMap<&'static str, Vec<Duration>>,
    errors: BTreeMap<String, usize>,
}

fn cookie_of(response: &reqwest::Response) -> Option<String> {
    let header = response.headers().get("set-cookie")?.to_str().ok()?;
    header.split(';').next().map(str::to_owned)
}

fn totp_now(secret: &str) -> Result<String, Failure> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| format!("{e:?}"))?;
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        "load".into(),
    )?;
    Ok(totp.generate_current()?)
}

/// A session at `substantial` for one citizen; `None` when the citizen already
/// has an authenticator (from an earlier run on the same server), whose secret
/// this client cannot know.
async fn log_in(
    http: &reqwest::Client,
    base: &str,
    citizen: &Citizen,
) -> Result<Option<String>, Failure> {
    let identity = &citizen.identity;
    let response = http
        .post(format!("{base}/api/identity/knowledge"))
        .json(&json!({
            "national_id": identity.national_id.as_str(),
            "nhi_card_number": identity.nhi_card_number,
            "id_issue_date": identity.id_issue_date,
        }))
        .send()
        .await?;
    let cookie = cookie_of(&response).ok_or("no session cookie at login")?;
    let enrolment: Value = http
        .post(format!("{base}/api/identity/totp/enroll"))
        .header("cookie", &cookie)
        .json(&json!({}))
        .send()
        .await?
        .json()
        .await?;
    let Some(secret) = enrolment["secret"].as_str() else {
        return Ok(None);
    };
    let code = totp_now(secret)?;
    let verified = http
        .post(format!("{base}/api/identity/totp/verify"))
        .header("cookie", &cookie)
        .json(&json!({"code": code}))
        .send()
        .await?;
    Ok(Some(
        cookie_of(&verified).ok_or("no cookie after the step-up")?,
    ))
}

/// One whole flow; the time of each step.
async fn flow(
    bank: &ProviderClient,
    browser: &reqwest::Client,
    base: &str,
    cookie: &str,
) -> Result<Vec<(&'static str, Duration)>, (&'static str, String)> {
    let mut times = Vec::with_capacity(STEPS.len());
    let mut clock = Instant::now();
    let mut lap = |step: &'static str, times: &mut Vec<(&'static str, Duration)>| {
        times.push((step, clock.elapsed()));
        clock = Instant::now();
    };
    let begun = bank.push(SCOPE).await.map_err(|e| ("par", e.to_string()))?;
    lap("par", &mut times);
    let opened = browser
        .get(&begun.authorize_url)
        .send()
        .await
        .map_err(|e| ("authorize", e.to_string()))?;
    let location = opened
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.strip_prefix("/consent/"))
        .map(str::to_owned)
        .ok_or(("authorize", format!("status {}", opened.status())))?;
    lap("authorize", &mut times);
    let post = |path: String, body: Value| {
        browser
            .post(format!("{base}{path}"))
            .header("cookie", cookie)
            .json(&body)
            .send()
    };
    let downloaded = post(
        format!("/api/consent/{location}/download"),
        json!({"datasets": ["household.registration", "tax.income"]}),
    )
    .await
    .map_err(|e| ("download", e.to_string()))?;
    if !downloaded.status().is_success() {
        return Err(("download", format!("status {}", downloaded.status())));
    }
    lap("download", &mut times);
    let sent: Value = post(format!("/api/consent/{location}/send"), json!({}))
        .await
        .map_err(|e| ("send", e.to_string()))?
        .json()
        .await
        .map_err(|e| ("send", e.to_string()))?;
    let redirect = sent["redirect_to"]
        .as_str()
        .and_then(|r| reqwest::Url::parse(r).ok())
        .ok_or(("send", sent.to_string()))?;
    let code = redirect
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or(("send", "no code".to_owned()))?;
    lap("send", &mut times);
    let token = bank
        .token(&code, &begun.code_verifier)
        .await
        .map_err(|e| ("token", e.to_string()))?;
    lap("token", &mut times);
    let jwe = bank
        .fetch_package(&token)
        .await
        .map_err(|e| ("package", e.to_string()))?;
    lap("package", &mut times);
    let package = bank
        .open_package(&jwe)
        .await
        .map_err(|e| ("open", e.to_string()))?;
    if !package.unavailable.is_empty() {
        return Err(("open", format!("unavailable: {:?}", package.unavailable)));
    }
    lap("open", &mut times);
    Ok(times)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn describe(name: &str, times: &mut [Duration]) {
    times.sort();
    println!(
        "| {name:<9} | {:>6} | {:>8.1} | {:>8.1} | {:>8.1} |",
        times.len(),
        percentile(times, 50.0),
        percentile(times, 95.0),
        percentile(times, 99.0)
    );
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .ok_or("usage: consent_load BASE OPERATOR_TOKEN [c] [s]")?;
    let base = base.trim_end_matches('/').to_owned();
    let operator = args.get(2).ok_or("the operator token is needed")?.clone();
    let concurrency: usize = args.get(3).map_or(Ok(8), |a| a.parse())?;
    let seconds: u64 = args.get(4).map_or(Ok(30), |a| a.parse())?;

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let metadata: Value = http
        .get(format!("{base}/.well-known/oauth-authorization-server"))
        .send()
        .await?
        .json()
        .await?;
    let issuer = metadata["issuer"].as_str().ok_or("no issuer in metadata")?;

    // One provider, registered and approved as an operator would.
    let id = format!("load-bank-{}", uuid::Uuid::new_v4().simple());
    let bank = ProviderClient::new(&id, "http://127.0.0.1:9/callback", base.parse()?, issuer)?;
    let datasets = BTreeMap::from([
        (
            "household.registration",
            vec!["birth_date", "city", "household_size"],
        ),
        ("tax.income", vec!["year", "personal_annual_income"]),
    ]);
    let registration = bank.registration(&mydata_navigator::demo_provider::bank(), &datasets)?;
    let registered = http
        .post(format!("{base}/api/admin/service-providers"))
        .bearer_auth(&operator)
        .json(&registration)
        .send()
        .await?;
    if !registered.status().is_success() {
        return Err(format!("registration: {}", registered.text().await?).into());
    }
    let approved = http
        .post(format!("{base}/api/admin/service-providers/{id}/state"))
        .bearer_auth(&operator)
        .json(&json!({"state": "active"}))
        .send()
        .await?;
    if !approved.status().is_success() {
        return Err(format!("approval: {}", approved.text().await?).into());
    }

    let registry = DatasetRegistry::embedded()?;
    let citizens = CitizenDirectory::embedded(&registry)?;
    let mut sessions = Vec::new();
    for citizen in citizens.iter() {
        if sessions.len() == concurrency {
            break;
        }
        if let Some(cookie) = log_in(&http, &base, citizen).await? {
            sessions.push(cookie);
        }
    }
    if sessions.len() < concurrency {
        return Err(format!(
            "only {} citizens left without an authenticator",
            sessions.len()
        )
        .into());
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let bank = std::sync::Arc::new(bank);
    let workers = sessions.into_iter().map(|cookie| {
        let (bank, http, base) = (bank.clone(), http.clone(), base.clone());
        tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let begun = Instant::now();
                match flow(&bank, &http, &base, &cookie).await {
                    Ok(times) => {
                        tally.flows.push(begun.elapsed());
                        for (step, time) in times {
                            tally.steps.entry(step).or_default().push(time);
                        }
                    }
                    Err((step, reason)) => {
                        let reason: String = reason.chars().take(120).collect();
                        *tally.errors.entry(format!("{step}: {reason}")).or_default() += 1;
                    }
                }
            }
            tally
        })
    });
    let mut all = Tally::default();
    for worker in futures::future::join_all(workers).await {
        let tally = worker?;
        all.flows.extend(tally.flows);
        for (step, times) in tally.steps {
            all.steps.entry(step).or_default().extend(times);
        }
        for (error, count) in tally.errors {
            *all.errors.entry(error).or_default() += count;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed: usize = all.errors.values().sum();
    println!(
        "RESULT concurrency={concurrency} seconds={elapsed:.1} flows={} flows_per_s={:.1} errors={failed}",
        all.flows.len(),
        all.flows.len() as f64 / elapsed
    );
    println!("| step      |  count |  p50 ms |  p95 ms |  p99 ms |");
    println!("| --------- | ------ | -------- | -------- | -------- |");
    describe("flow", &mut all.flows);
    for step in STEPS {
        describe(step, all.steps.entry(step).or_default());
    }
    for (error, count) in &all.errors {
        println!("error x{count}: {error}");
    }
    Ok(())
}
