//! Counter service (臨櫃服務): the citizen packages chosen records in the
//! personal cloud and gets a ticket — a barcode carrying a random ticket
//! id, and a six-digit code shown apart from it. The counter provider's
//! system, authenticated with its signed client assertion, redeems the
//! ticket once with both and receives the same signed, encrypted package
//! as online.
//!
//! - `POST /api/counter/tickets` `{"provider", "datasets"}` (citizen) →
//!   `{ticket_id, code, barcode_svg, expires_at, consent_id}`; the fields
//!   are those the provider registered; below the datasets' level, a
//!   step-up problem.
//! - `POST /api/counter/redeem` `{"client_id", "client_assertion",
//!   "ticket_id", "code"}` → the package (`application/jose`). Tickets
//!   expire after ten minutes and work once; five wrong codes lock the
//!   ticket and the caller's address for ten minutes. Every attempt is
//!   audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use super::package::{delivered, seal};
use super::{Scope, TransferApi, cloud, receipt, token};
use crate::attempts::{self, Admission};
use crate::audit::{NewEntry, Outcome};
use crate::clock;
use crate::http::{ClientAddress, Json, Problem};
use crate::identity::CitizenSession;
use crate::ids::DatasetId;
use crate::secrets::digest;
use crate::store::{Budget, CounterTicketRow};

const TICKET_TTL_MS: i64 = 10 * 60 * 1000;
/// Five codes checked per ticket, and per address, per ten minutes.
const BUDGET: Budget = Budget {
    max: 5,
    window_ms: 10 * 60 * 1000,
};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TicketRequest {
    /// The counter's service provider (an active one).
    provider: String,
    datasets: Vec<DatasetId>,
}

/// Characters of a ticket id: 16 random bytes, unpadded base64url.
const TICKET_ID_CHARS: usize = 22;
const TICKET_ID_BYTES: usize = 16;
/// Digits of the code shown apart from the barcode.
const CODE_DIGITS: usize = 6;

/// A new ticket id, as the barcode carries it.
fn new_ticket_id() -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        rand::random::<[u8; TICKET_ID_BYTES]>(),
    )
}

/// The ticket id and code as scanned and typed at the counter, without
/// surrounding white space; `None` unless the id is one `issue` could have
/// handed out (22 base64url characters for 16 bytes) and the code six
/// ASCII digits. Anything else cannot match a ticket.
pub(crate) fn ticket_and_code<'a>(ticket_id: &'a str, code: &'a str) -> Option<(&'a str, &'a str)> {
    let (ticket_id, code) = (ticket_id.trim(), code.trim());
    let id_ok = ticket_id.len() == TICKET_ID_CHARS
        && base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, ticket_id)
            .is_ok_and(|bytes| bytes.len() == TICKET_ID_BYTES);
    let code_ok = code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit());
    (id_ok && code_ok).then_some((ticket_id, code))
}

/// The barcode the citizen shows at the counter: the ticket id as a QR code.
pub(crate) fn barcode_svg(ticket_id: &str) -> Result<String, Problem> {
    Ok(qrcode::QrCode::new(ticket_id.as_bytes())
        .map_err(|e| Problem::internal(&e))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build())
}

fn code_digest(ticket_id: &str, code: &str) -> String {
    digest(&format!("{ticket_id}:{code}"))
}

/// A counter ticket.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Ticket {
    /// What the barcode carries: 22 base64url characters.
    ticket_id: String,
    /// Six digits, shown apart from the barcode.
    code: String,
    barcode_svg: String,
    expires_at: String,
    consent_id: String,
    /// Per dataset: whether it arrived.
    items: Vec<serde_json::Value>,
}

/// Packages chosen records for a counter provider and hands the citizen a
/// ticket.
#[utoipa::path(post, path = "/api/counter/tickets", tag = "counter",
    security(("session_cookie" = [])),
    request_body = TicketRequest,
    responses(
        (status = 201, description = "The ticket", body = Ticket),
        (status = 400, description = "No datasets, or one the provider did not register"),
        (status = 401, description = "No session, or a level below what the records need (a step-up problem)"),
        (status = 403, description = "The service provider is not active"),
        (status = 422, description = "A field is missing or malformed"),
    ))]
pub(super) async fn issue(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Json(request): Json<TicketRequest>,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    let provider = api
        .services
        .active(&request.provider)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found("there is no active service provider by that id"))?;
    let mut chosen = request.datasets.clone();
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() {
        return Err(Problem::bad_request("choose at least one dataset"));
    }
    let scope: Scope = chosen
        .iter()
        .map(|dataset| {
            provider
                .registration
                .datasets
                .get(dataset)
                .map(|fields| (dataset.clone(), fields.clone()))
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "{dataset} is not among what this provider may receive"
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let ticket_id = new_ticket_id();
    let gathered = cloud::gather(
        &api,
        &session,
        &provider,
        &format!("counter:{}", digest(&ticket_id)),
        &chosen,
        &scope,
        "POST /api/counter/tickets",
    )
    .await?;
    let now = clock::now_ms();
    let expires_ms = now + TICKET_TTL_MS;
    let consent_id = receipt::record_consent(
        &api,
        &session,
        &provider,
        &gathered.package,
        None,
        expires_ms,
    )
    .await?;
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    api.store
        .ticket_insert(&CounterTicketRow {
            ticket_hash: digest(&ticket_id),
            code_hash: code_digest(&ticket_id, &code),
            subject: session.subject.to_string(),
            client_id: provider.registration.id.clone(),
            consent_id: consent_id.clone(),
            package_id: gathered.package_id,
            created_ms: now,
            expires_ms,
            used_ms: None,
        })
        .await
        .map_err(|e| Problem::internal(&e))?;
    audit(
        &api,
        Some(session.subject.as_str()),
        "counter.ticket",
        &provider.registration.id,
        Outcome::Success,
        format!(
            "ticket for {} under consent {consent_id}",
            provider.registration.id
        ),
    )
    .await?;
    let barcode_svg = barcode_svg(&ticket_id)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "ticket_id": ticket_id,
            "code": code,
            "barcode_svg": barcode_svg,
            "expires_at": clock::format_ms(expires_ms),
            "consent_id": consent_id,
            "items": gathered.report,
        })),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = CounterRedeem)]
#[serde(deny_unknown_fields)]
pub(crate) struct Redeem {
    /// The counter provider, authenticated by `client_assertion`.
    client_id: String,
    client_assertion: String,
    ticket_id: String,
    code: String,
}

impl Redeem {
    /// The ticket id and code presented, if they are well formed.
    pub(crate) fn presented(&self) -> Option<(&str, &str)> {
        ticket_and_code(&self.ticket_id, &self.code)
    }
}

async fn audit(
    api: &TransferApi,
    subject: Option<&str>,
    event: &str,
    actor: &str,
    outcome: Outcome,
    detail: String,
) -> Result<(), Problem> {
    api.record(NewEntry {
        event: event.into(),
        actor: actor.into(),
        subject: subject.map(str::to_owned),
        dataset: None,
        purpose: "counter service".into(),
        outcome: outcome.as_str().into(),
        detail,
    })
    .await
}

fn lockout() -> Problem {
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too many wrong codes; this ticket and this address are locked for 10 minutes",
    )
}

const NOT_VALID: &str = "this ticket and code do not match";

/// The counter provider redeems a ticket, once, with its code.
#[utoipa::path(post, path = "/api/counter/redeem", tag = "counter",
    request_body = Redeem,
    responses(
        (status = 200, description = "The package (JWE compact)", content_type = "application/jose", body = String),
        (status = 401, description = "The client assertion does not authenticate, or the ticket and code do not match: an unknown or malformed ticket, another provider's ticket and a wrong code all get this one answer, so none can be told apart"),
        (status = 410, description = "Expired or redeemed already"),
        (status = 422, description = "A field is missing"),
        (status = 429, description = "Too many wrong codes: locked for 10 minutes"),
    ))]
pub(super) async fn redeem(
    State(api): State<TransferApi>,
    ClientAddress(address): ClientAddress,
    Json(request): Json<Redeem>,
) -> Result<Response, Problem> {
    let provider = token::authenticate(
        &api,
        Some(&request.client_id),
        Some(token::ASSERTION_TYPE),
        Some(&request.client_assertion),
    )
    .await
    .map_err(|e| Problem::unauthorized(e.description))?;
    let actor = provider.registration.id.clone();
    let ticket_hash = digest(request.ticket_id.trim());
    let address_key = format!("counter-address:{address}");
    let ticket_key = format!("counter-ticket:{ticket_hash}");
    // Reserved before the code is compared, so parallel guesses cannot all
    // pass a count taken first.
    let admission = attempts::reserve(api.store.as_ref(), vec![address_key, ticket_key], BUDGET)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let attempt = match admission {
        Admission::Admitted(attempt) => attempt,
        Admission::Refused { retry_after_s } => {
            audit(
                &api,
                None,
                "counter.redeem",
                &actor,
                Outcome::Failure,
                "refused while locked".into(),
            )
            .await?;
            return Err(lockout().retry_after(retry_after_s));
        }
    };
    let ticket = match api.store.ticket_get(&ticket_hash).await {
        Ok(ticket) => ticket,
        Err(e) => {
            attempt
                .release(api.store.as_ref())
                .await
                .map_err(|e| Problem::internal(&e))?;
            return Err(Problem::internal(&e));
        }
    };
    let now = clock::now_ms();
    let subject = ticket.as_ref().map(|t| t.subject.clone());
    let presented = request.presented();
    let matches = ticket
        .as_ref()
        .zip(presented)
        .is_some_and(|(t, (id, code))| {
            t.client_id == actor
                && crate::secrets::same_secret(&t.code_hash, &code_digest(id, code))
        });
    let Some(ticket) = ticket.filter(|_| matches) else {
        attempt.keep();
        audit(
            &api,
            subject.as_deref(),
            "counter.redeem",
            &actor,
            Outcome::Failure,
            "wrong ticket or code".into(),
        )
        .await?;
        return Err(Problem::unauthorized(NOT_VALID));
    };
    // The right code is no guess: whatever follows, it does not count.
    attempt
        .release(api.store.as_ref())
        .await
        .map_err(|e| Problem::internal(&e))?;
    let refuse = async |status: StatusCode, why: &str| -> Result<Response, Problem> {
        audit(
            &api,
            Some(&ticket.subject),
            "counter.redeem",
            &actor,
            Outcome::Failure,
            why.into(),
        )
        .await?;
        Err(Problem::new(status, why))
    };
    if ticket.used_ms.is_some() {
        return refuse(StatusCode::GONE, "this ticket was redeemed already").await;
    }
    if ticket.expires_ms <= now {
        return refuse(StatusCode::GONE, "this ticket has expired").await;
    }
    let Some(consent) = api
        .store
        .consent_get(&ticket.consent_id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|c| c.revoked_ms.is_none())
    else {
        return refuse(StatusCode::GONE, "the citizen has withdrawn this consent").await;
    };
    let sealed = seal(&api, &provider, &consent, &ticket.package_id).await?;
    let claimed = api
        .store
        .ticket_use(&ticket.ticket_hash, now)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !claimed {
        return refuse(StatusCode::GONE, "this ticket was redeemed already").await;
    }
    delivered(&api, &provider, &consent, &sealed, "transfer.counter").await?;
    Ok((
        [
            (CONTENT_TYPE, "application/jose"),
            (CACHE_CONTROL, "no-store"),
        ],
        sealed.jwe,
    )
        .into_response())
}
