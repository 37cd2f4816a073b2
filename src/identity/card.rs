//! Citizen-card login, to level `high`.
//!
//! - `POST /api/identity/card/challenge` → `{challenge_id, challenge,
//!   expires_at}`: 32 random bytes (base64) for the card to sign, usable
//!   once, for two minutes.
//! - `POST /api/identity/card/login` `{national_id, challenge_id,
//!   certificate, signature}` (base64 DER certificate and signature, as the
//!   card middleware returns them). With a session for the same citizen the
//!   session is raised to `high` (step-up: the same session, under a new
//!   cookie); without one a new
//!   session starts at `high`; a session of someone else is refused.
//! - `GET /pki/citizen-ca.crl` publishes the CRL the server checks against.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::http::{IdentityApi, session_reply};
use super::lockout;
use super::session::MaybeSession;
use crate::audit::Outcome;
use crate::broker::{Factors, KnowledgeCheck};
use crate::citizen_card::CardHolder;
use crate::clock;
use crate::http::{ClientAddress, Json, Problem};
use crate::ids::{Level, NationalId};
use crate::store::ChallengeRow;

const KIND: &str = "citizen_card";
const CHALLENGE_TTL_MS: i64 = 2 * 60 * 1000;
/// A card certificate is a few kilobytes; anything far larger is not one.
const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CardChallenge {
    challenge_id: String,
    challenge: String,
    expires_at: String,
}

/// A fresh challenge for the citizen card to sign.
#[utoipa::path(post, path = "/api/identity/card/challenge", tag = "identity",
    responses((status = 201, description = "The challenge (base64) and when it expires", body = CardChallenge)))]
pub(super) async fn challenge(
    State(api): State<IdentityApi>,
) -> Result<(StatusCode, axum::Json<CardChallenge>), Problem> {
    let now = clock::now_ms();
    let row = ChallengeRow {
        id: uuid::Uuid::new_v4().to_string(),
        kind: KIND.into(),
        subject: None,
        state: STANDARD.encode(rand::random::<[u8; 32]>()),
        expires_ms: now + CHALLENGE_TTL_MS,
    };
    api.sessions
        .store
        .challenge_put(&row, now)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CardChallenge {
            challenge_id: row.id,
            challenge: row.state,
            expires_at: clock::format_ms(row.expires_ms),
        }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardLogin {
    #[schema(value_type = crate::ids::NationalId)]
    national_id: String,
    challenge_id: String,
    certificate: String,
    signature: String,
}

fn decode(what: &str, text: &str, max: usize) -> Result<Vec<u8>, Problem> {
    if text.len() > max * 4 / 3 + 4 {
        return Err(Problem::bad_request(format!("{what} is too long")));
    }
    STANDARD
        .decode(text.trim())
        .map_err(|_| Problem::bad_request(format!("{what} must be base64")))
}

impl CardLogin {
    /// The citizen, the certificate's DER and the signature, or a 400.
    pub(crate) fn decoded(&self) -> Result<(NationalId, Vec<u8>, Vec<u8>), Problem> {
        let subject = NationalId::parse(self.national_id.trim())
            .map_err(|e| Problem::bad_request(e.to_string()))?;
        let certificate = decode("certificate", &self.certificate, MAX_CERTIFICATE_BYTES)?;
        let signature = decode("signature", &self.signature, 1024)?;
        Ok((subject, certificate, signature))
    }
}

/// Logs in (or steps up) at level `high` with the citizen card: its
/// certificate and its signature over the challenge, both base64.
#[utoipa::path(post, path = "/api/identity/card/login", tag = "identity",
    request_body = CardLogin,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = super::http::SessionView),
        (status = 400, description = "A malformed ID, certificate or signature"),
        (status = 401, description = "The certificate or signature does not verify, or the challenge is unknown"),
        (status = 403, description = "Logged in as someone else"),
        (status = 422, description = "A field is missing"),
        (status = 429, description = "Too many failures: locked out for a while"),
    ))]
pub(super) async fn login(
    State(api): State<IdentityApi>,
    ClientAddress(address): ClientAddress,
    MaybeSession(current): MaybeSession,
    Json(body): Json<CardLogin>,
) -> Result<Response, Problem> {
    let (subject, certificate, signature) = body.decoded()?;
    if current.as_ref().is_some_and(|s| s.subject != subject) {
        return Err(Problem::forbidden(
            "you are logged in as someone else; log out first",
        ));
    }
    let store = api.sessions.store.as_ref();
    // Reserved before anything is checked: parallel tries queue here.
    let attempt =
        lockout::admit(store, &api.audit, lockout::Factor::Card, &subject, address).await?;
    let presented = Presented {
        subject: &subject,
        challenge_id: body.challenge_id.trim(),
        certificate: &certificate,
        signature: &signature,
    };
    let holder = match check_card(&api, &presented).await {
        Ok(Ok(holder)) => {
            attempt.succeeded(store).await?;
            holder
        }
        Ok(Err(reason)) => {
            attempt.failed();
            record(&api, &subject, Outcome::Failure, &reason).await?;
            return Err(Problem::unauthorized(reason));
        }
        Err(unchecked) => {
            attempt.unchecked(store).await?;
            return Err(unchecked);
        }
    };
    let detail = format!("level high; certificate {}", holder.subject_serial);
    record(&api, &subject, Outcome::Success, &detail).await?;
    let (token, session) = match current {
        Some(mut session) => {
            let token = api.sessions.raise(&mut session, Level::High).await?;
            (token, session)
        }
        None => {
            let (token, session) = api
                .sessions
                .start(&subject, Level::High)
                .await
                .map_err(|e| Problem::internal(&e))?;
            (Some(token), session)
        }
    };
    Ok(session_reply(&api.sessions, &session, token.as_deref()))
}

/// What a card login presents, decoded.
struct Presented<'a> {
    subject: &'a NationalId,
    challenge_id: &'a str,
    certificate: &'a [u8],
    signature: &'a [u8],
}

/// The card's holder when the signature, the certificate and the holder's
/// name all check out; `Ok(Err(why))` when one does not, `Err` when the
/// checking itself failed.
async fn check_card(
    api: &IdentityApi,
    presented: &Presented<'_>,
) -> Result<Result<CardHolder, String>, Problem> {
    let now = clock::now_ms();
    let taken = api
        .sessions
        .store
        .challenge_take(presented.challenge_id, KIND)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let Some(challenge) = taken.filter(|row| row.expires_ms > now) else {
        return Ok(Err(
            "this challenge has expired or was already used; ask for a new one".into(),
        ));
    };
    let challenge_bytes = STANDARD
        .decode(&challenge.state)
        .map_err(|e| Problem::internal(&e))?;
    let holder = match api.card_trust.verify(
        presented.certificate,
        &challenge_bytes,
        presented.signature,
        now,
    ) {
        Ok(holder) => holder,
        Err(rejection) => return Ok(Err(rejection.to_string())),
    };
    let subject = presented.subject;
    let id_digits = &subject.as_str()[subject.as_str().len() - 4..];
    if holder.id_last_four() != id_digits {
        return Ok(Err(NOT_THE_HOLDER.into()));
    }
    // Four digits narrow the holder to one in ten thousand; the household
    // registry confirms the name on the card is this ID number's holder.
    let check = KnowledgeCheck {
        subject,
        factors: Factors::CardHolder { name: &holder.name },
        requester: "identity",
    };
    if !super::events::ask_registry(&api.broker, &check).await? {
        return Ok(Err(NOT_THE_HOLDER.into()));
    }
    Ok(Ok(holder))
}

const NOT_THE_HOLDER: &str = "the certificate does not belong to this ID number";

async fn record(
    api: &IdentityApi,
    subject: &NationalId,
    outcome: Outcome,
    detail: &str,
) -> Result<(), Problem> {
    super::events::record(
        &api.audit,
        subject,
        "identity.citizen_card",
        outcome,
        detail,
    )
    .await
}

/// The issuing CA's CRL (DER, RFC 2585), so that anyone can check what
/// the server checks.
#[utoipa::path(get, path = "/pki/citizen-ca.crl", tag = "identity",
    responses(
        (status = 200, description = "The CRL, DER", content_type = "application/pkix-crl", body = Vec<u8>),
        (status = 404, description = "No CRL is configured"),
    ))]
pub(super) async fn published_crl(State(api): State<IdentityApi>) -> Response {
    let Some(crl) = api.card_trust.published_crls().first() else {
        return Problem::not_found("no CRL is configured").into_response();
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/pkix-crl"),
    );
    (headers, crl.as_ref().to_vec()).into_response()
}
