//! The citizen's side of an online request: see what is asked, consent
//! twice, or say no.
//!
//! - `GET /api/consent/{id}`: who asks, for what purpose, under which
//!   terms, and each item (dataset, agency, fields, level).
//! - `POST /api/consent/{id}/download` `{"datasets"}`: first consent. The
//!   ticked items (a subset) are fetched into the personal cloud; below
//!   their level the answer is a step-up problem.
//! - `POST /api/consent/{id}/send` `{"standing_days"?}`: second consent.
//!   Records the consent and its signed receipt and returns where to send
//!   the browser (the client's redirect URI with a one-minute code).
//! - `POST /api/consent/{id}/deny`: nothing is sent; the downloaded
//!   records are deleted; the client hears `access_denied`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::authorize::redirect_with;
use super::{CODE_TTL_MS, Scope, TransferApi};
use super::{cloud, receipt};
use crate::audit::{NewEntry, Outcome};
use crate::clock;
use crate::http::{Json, Path, Problem};
use crate::identity::{CitizenSession, Session};
use crate::ids::{DatasetId, Level};
use crate::secrets::digest;
use crate::services::ServiceProvider;
use crate::store::AuthRequestRow;

const GONE: &str = "this request has expired or was already answered; start again at the service";
/// Blue Button 2.0 offers 13 months; so does this.
const MAX_STANDING_DAYS: u32 = 395;

/// The request, claimed by this citizen, with its provider.
async fn claim(
    api: &TransferApi,
    session: &Session,
    id: &str,
) -> Result<(AuthRequestRow, ServiceProvider, Scope), Problem> {
    let not_found = || Problem::not_found(GONE);
    let row = api
        .store
        .auth_request_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|row| row.expires_ms > clock::now_ms())
        .ok_or_else(not_found)?;
    // A request bound to another citizen (claimed, or pushed with their
    // `login_hint`) is not theirs to see: refused before anything is
    // fetched, and alike whichever it is.
    let mine = api
        .store
        .auth_request_claim(id, session.subject.as_str())
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !mine {
        return Err(not_found());
    }
    let provider = api.active_provider(&row.client_id).await?;
    let scope: Scope = serde_json::from_str(&row.scope).map_err(|e| Problem::internal(&e))?;
    Ok((row, provider, scope))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ConsentItem)]
struct Item {
    dataset: DatasetId,
    agency: String,
    fields: Vec<String>,
    level: Level,
    sensitive: bool,
}

fn items(api: &TransferApi, scope: &Scope) -> Vec<Item> {
    scope
        .iter()
        .filter_map(|(dataset, fields)| {
            let spec = api.broker.registry().dataset(dataset)?;
            Some(Item {
                dataset: dataset.clone(),
                agency: spec.provider.to_string(),
                fields: fields.clone(),
                level: spec.loa,
                sensitive: spec.sensitive,
            })
        })
        .collect()
}

/// A pending authorization request, as the consent screen shows it.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct ConsentRequest {
    id: String,
    /// `pending`, `downloaded`, …
    stage: String,
    /// `{id, name}` of the service provider.
    requester: serde_json::Value,
    purpose: crate::services::Localised,
    terms_url: String,
    items: Vec<Item>,
    required_level: Level,
    session_level: Level,
    expires_at: String,
}

/// The request waiting for the citizen: who asks, why, for what.
#[utoipa::path(get, path = "/api/consent/{id}", tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The authorization request")),
    responses(
        (status = 200, description = "The request", body = ConsentRequest),
        (status = 401, description = "No session"),
        (status = 403, description = "The service provider is not active"),
        (status = 404, description = "Expired, answered, or another citizen's"),
    ))]
pub(super) async fn show(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, Problem> {
    let (row, provider, scope) = claim(&api, &session, &id).await?;
    let items = items(&api, &scope);
    let required = items.iter().map(|i| i.level).max().unwrap_or(Level::Low);
    let registration = &provider.registration;
    Ok(axum::Json(json!({
        "id": row.id,
        "stage": row.stage,
        "requester": {"id": registration.id, "name": registration.name},
        "purpose": registration.purpose,
        "terms_url": registration.terms_url,
        "items": items,
        "required_level": required,
        "session_level": session.level,
        "expires_at": clock::format_ms(row.expires_ms),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DownloadChoice {
    /// Some or all of the datasets asked for.
    datasets: Vec<DatasetId>,
}

pub(super) async fn record(
    api: &TransferApi,
    subject: &str,
    event: &str,
    client_id: &str,
    dataset: Option<&str>,
    outcome: Outcome,
    detail: String,
) -> Result<(), Problem> {
    api.record(NewEntry {
        event: event.into(),
        actor: client_id.into(),
        subject: Some(subject.into()),
        dataset: dataset.map(str::to_owned),
        purpose: "consent".into(),
        outcome: outcome.as_str().into(),
        detail,
    })
    .await
}

/// The first confirmation's answer.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Downloaded {
    package_id: String,
    /// Per dataset: whether it arrived.
    items: Vec<serde_json::Value>,
    /// The next step.
    next: String,
}

/// The first confirmation: fetch the chosen records into the citizen's
/// personal cloud.
#[utoipa::path(post, path = "/api/consent/{id}/download", tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The authorization request")),
    request_body = DownloadChoice,
    responses(
        (status = 200, description = "In the personal cloud", body = Downloaded),
        (status = 400, description = "No datasets, or one not asked for"),
        (status = 401, description = "No session, or a level below what the records need (a step-up problem)"),
        (status = 403, description = "The service provider is not active"),
        (status = 404, description = "Expired, answered, or another citizen's"),
        (status = 409, description = "Not at this stage"),
        (status = 422, description = "Not `{\"datasets\": [...]}`"),
    ))]
pub(super) async fn download(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Path(id): Path<String>,
    Json(choice): Json<DownloadChoice>,
) -> Result<axum::Json<Value>, Problem> {
    let (row, provider, scope) = claim(&api, &session, &id).await?;
    if row.stage != "pending" {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "these records were downloaded already",
        ));
    }
    let mut chosen = choice.datasets.clone();
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() {
        return Err(Problem::bad_request(
            "tick at least one item, or deny the request",
        ));
    }
    if let Some(extra) = chosen.iter().find(|d| !scope.contains_key(*d)) {
        return Err(Problem::bad_request(format!("{extra} was not asked for")));
    }
    let retry = format!("POST /api/consent/{id}/download");
    let gathered =
        cloud::gather(&api, &session, &provider, &row.id, &chosen, &scope, &retry).await?;
    let (package_id, package, report) = (gathered.package_id, gathered.package, gathered.report);
    let moved = api
        .store
        .auth_request_advance(&row.id, "pending", "downloaded", Some(&package_id))
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !moved {
        api.store
            .cloud_delete(&package_id)
            .await
            .map_err(|e| Problem::internal(&e))?;
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "these records were downloaded already",
        ));
    }
    let names: Vec<&str> = package.items.iter().map(|i| i.dataset.as_str()).collect();
    record(
        &api,
        session.subject.as_str(),
        "consent.download",
        &row.client_id,
        None,
        Outcome::Success,
        format!("into the personal cloud: {}", names.join(", ")),
    )
    .await?;
    Ok(axum::Json(json!({
        "package_id": package_id,
        "items": report,
        "next": format!("POST /api/consent/{id}/send"),
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendChoice {
    /// Keep the consent standing this many days; one transfer when absent.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 395)]
    standing_days: Option<u32>,
}

impl SendChoice {
    /// A standing consent lasts 1 to `MAX_STANDING_DAYS` days.
    pub(crate) fn check(&self) -> Result<(), Problem> {
        if self
            .standing_days
            .is_some_and(|d| d == 0 || d > MAX_STANDING_DAYS)
        {
            return Err(Problem::bad_request(format!(
                "standing_days must be 1 to {MAX_STANDING_DAYS}"
            )));
        }
        Ok(())
    }
}

/// Where the browser goes next, back to the service provider.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Answered {
    /// Set when the records were sent.
    consent_id: Option<String>,
    redirect_to: String,
}

/// The second confirmation: send the records to the service provider.
#[utoipa::path(post, path = "/api/consent/{id}/send", tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The authorization request")),
    request_body = SendChoice,
    responses(
        (status = 200, description = "Sent: the consent, and the redirect with the code", body = Answered),
        (status = 400, description = "standing_days out of 1 to 395"),
        (status = 401, description = "No session"),
        (status = 403, description = "The service provider is not active"),
        (status = 404, description = "Expired, answered, or another citizen's"),
        (status = 409, description = "Not downloaded yet, or answered already"),
        (status = 422, description = "An unknown field"),
    ))]
pub(super) async fn send(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Path(id): Path<String>,
    Json(choice): Json<SendChoice>,
) -> Result<axum::Json<Value>, Problem> {
    let (row, provider, _) = claim(&api, &session, &id).await?;
    if row.stage != "downloaded" {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "download the records first, or this request was already answered",
        ));
    }
    choice.check()?;
    let package_id = row
        .package_id
        .clone()
        .ok_or_else(|| Problem::internal(&"no package"))?;
    let Some((_, package)) = cloud::get(&api, &package_id).await? else {
        return Err(Problem::new(
            StatusCode::GONE,
            "the downloaded records have expired; start again",
        ));
    };
    let consent_id = receipt::record_consent(
        &api,
        &session,
        &provider,
        &package,
        choice.standing_days,
        clock::now_ms() + CODE_TTL_MS + super::TOKEN_TTL_MS,
    )
    .await?;
    let now = clock::now_ms();
    let moved = api
        .store
        .auth_request_advance(&row.id, "downloaded", "sent", None)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !moved {
        return Err(Problem::new(StatusCode::CONFLICT, GONE));
    }
    let code = crate::secrets::random_token();
    api.store
        .code_insert(&digest(&code), &row.id, &consent_id, now + CODE_TTL_MS)
        .await
        .map_err(|e| Problem::internal(&e))?;
    record(
        &api,
        session.subject.as_str(),
        "consent.granted",
        &row.client_id,
        None,
        Outcome::Success,
        format!("consent {consent_id} to send to {}", row.client_id),
    )
    .await?;
    let iss = api.issuer.to_string();
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = &row.state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", &iss));
    Ok(axum::Json(json!({
        "consent_id": consent_id,
        "redirect_to": redirect_with(&row.redirect_uri, &pairs)?,
    })))
}

/// The citizen says no: the provider hears `access_denied`.
#[utoipa::path(post, path = "/api/consent/{id}/deny", tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The authorization request")),
    responses(
        (status = 200, description = "The redirect back to the provider", body = Answered),
        (status = 401, description = "No session"),
        (status = 403, description = "The service provider is not active"),
        (status = 404, description = "Expired, answered, or another citizen's"),
        (status = 409, description = "Answered already"),
    ))]
pub(super) async fn deny(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, Problem> {
    let (row, _, _) = claim(&api, &session, &id).await?;
    if !matches!(row.stage.as_str(), "pending" | "downloaded") {
        return Err(Problem::new(StatusCode::CONFLICT, GONE));
    }
    let moved = api
        .store
        .auth_request_advance(&row.id, &row.stage, "denied", None)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !moved {
        return Err(Problem::new(StatusCode::CONFLICT, GONE));
    }
    if let Some(package_id) = &row.package_id {
        api.store
            .cloud_delete(package_id)
            .await
            .map_err(|e| Problem::internal(&e))?;
    }
    record(
        &api,
        session.subject.as_str(),
        "consent.denied",
        &row.client_id,
        None,
        Outcome::Success,
        "nothing was sent".into(),
    )
    .await?;
    let iss = api.issuer.to_string();
    let mut pairs = vec![("error", "access_denied")];
    if let Some(state) = &row.state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", &iss));
    Ok(axum::Json(
        json!({"redirect_to": redirect_with(&row.redirect_uri, &pairs)?}),
    ))
}
