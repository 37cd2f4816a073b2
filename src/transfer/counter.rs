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

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use super::package::{delivered, seal};
use super::{Scope, TransferApi, cloud, receipt, token};
use crate::audit::{NewEntry, Outcome};
use crate::clock;
use crate::http::{Json, Problem};
use crate::identity::CitizenSession;
use crate::ids::DatasetId;
use crate::secrets::digest;
use crate::store::CounterTicketRow;

const TICKET_TTL_MS: i64 = 10 * 60 * 1000;
const MAX_FAILURES: i64 = 5;
const LOCK_MS: i64 = 10 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TicketRequest {
    provider: String,
    datasets: Vec<DatasetId>,
}

fn code_digest(ticket_id: &str, code: &str) -> String {
    digest(&format!("{ticket_id}:{code}"))
}

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
    let ticket_id = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        rand::random::<[u8; 16]>(),
    );
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
    let barcode_svg = qrcode::QrCode::new(ticket_id.as_bytes())
        .map_err(|e| Problem::internal(&e))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Redeem {
    client_id: String,
    client_assertion: String,
    ticket_id: String,
    code: String,
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

pub(super) async fn redeem(
    State(api): State<TransferApi>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
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
    let address_key = format!("counter-address:{}", peer.ip());
    let ticket_key = format!("counter-ticket:{ticket_hash}");
    let keys = [address_key, ticket_key];
    let locked =
        crate::identity::lockout::reached(api.store.as_ref(), &keys, LOCK_MS, MAX_FAILURES)
            .await
            .map_err(|e| Problem::internal(&e))?;
    if locked {
        audit(
            &api,
            None,
            "counter.redeem",
            &actor,
            Outcome::Failure,
            "refused while locked".into(),
        )
        .await?;
        return Err(lockout());
    }
    let ticket = api
        .store
        .ticket_get(&ticket_hash)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let now = clock::now_ms();
    let subject = ticket.as_ref().map(|t| t.subject.clone());
    let matches = ticket.as_ref().is_some_and(|t| {
        t.client_id == actor
            && crate::secrets::same_secret(
                &t.code_hash,
                &code_digest(request.ticket_id.trim(), request.code.trim()),
            )
    });
    let Some(ticket) = ticket.filter(|_| matches) else {
        api.store
            .auth_failure_record(&keys, now)
            .await
            .map_err(|e| Problem::internal(&e))?;
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
