//! The identity API: log in with knowledge factors, see the session, read
//! one's own trail, log out.
//!
//! - `POST /api/identity/knowledge` `{national_id, nhi_card_number,
//!   id_issue_date}` → level `low` and a session cookie; 401 with the same
//!   words whether or not the ID number exists; 429 while locked out.
//! - `GET /api/me` → the session's citizen (masked), level and deadlines.
//! - `GET /api/me/trail` → every audit entry about the logged-in citizen.
//! - `POST /api/identity/logout`.
//!
//! The stronger factors have their own modules: [`super::totp`],
//! [`super::passkey`], [`super::card`]; [`super::records`] serves the
//! citizen's own records behind a step-up.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::{CitizenSession, Session, SessionPolicy, Sessions};
use super::{card, lockout, passkey, records};
use webauthn_rs::Webauthn;

use crate::audit::{AuditLog, Entry};
use crate::broker::{Broker, Factors, KnowledgeCheck};
use crate::citizen_card::CardTrust;
use crate::clock;
use crate::http::{ClientAddress, Json, Problem};
use crate::ids::{Level, NationalId};
use crate::sealing::CredentialKey;
use crate::store::Store;

#[derive(Clone, FromRef)]
pub(super) struct IdentityApi {
    pub(super) sessions: Sessions,
    pub(super) broker: Broker,
    pub(super) audit: AuditLog,
    pub(super) card_trust: Arc<CardTrust>,
    pub(super) webauthn: Arc<Webauthn>,
    pub(super) credential_key: Arc<CredentialKey>,
}

/// What the identity service is configured with beside the store.
pub struct IdentitySettings {
    pub policy: SessionPolicy,
    pub card_trust: Arc<CardTrust>,
    pub webauthn: Arc<Webauthn>,
    pub credential_key: Arc<CredentialKey>,
}

pub fn router(
    store: Arc<dyn Store>,
    broker: Broker,
    audit: AuditLog,
    settings: IdentitySettings,
) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(knowledge_login))
        .routes(routes!(logout))
        .routes(routes!(super::totp::enroll))
        .routes(routes!(super::totp::verify))
        .routes(routes!(passkey::register_start))
        .routes(routes!(passkey::register_finish))
        .routes(routes!(passkey::login_start))
        .routes(routes!(passkey::login_finish))
        .routes(routes!(card::challenge))
        .routes(routes!(card::login))
        .routes(routes!(card::published_crl))
        .routes(routes!(me))
        .routes(routes!(my_trail))
        .routes(routes!(records::own_record))
        .with_state(IdentityApi {
            sessions: Sessions {
                store,
                policy: settings.policy,
            },
            broker,
            audit,
            card_trust: settings.card_trust,
            webauthn: settings.webauthn,
            credential_key: settings.credential_key,
        })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KnowledgeFactors {
    #[schema(value_type = crate::ids::NationalId)]
    national_id: String,
    nhi_card_number: String,
    id_issue_date: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SessionView {
    /// The citizen's national ID, masked.
    subject: String,
    level: Level,
    level_at: String,
    expires_at: String,
}

impl SessionView {
    pub(super) fn of(session: &super::Session) -> Self {
        Self {
            subject: session.subject.masked(),
            level: session.level,
            level_at: clock::format_ms(session.level_at_ms),
            expires_at: clock::format_ms(session.expires_ms),
        }
    }
}

/// The session as the reply to a login step, with a cookie when the
/// session moved to a new token.
pub(super) fn session_reply(
    sessions: &Sessions,
    session: &Session,
    token: Option<&str>,
) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(token) = token {
        headers.insert(SET_COOKIE, sessions.cookie(token));
    }
    (headers, axum::Json(SessionView::of(session))).into_response()
}

impl KnowledgeFactors {
    /// The citizen the factors are for, or a 400.
    pub(crate) fn subject(&self) -> Result<NationalId, Problem> {
        NationalId::parse(self.national_id.trim()).map_err(|e| Problem::bad_request(e.to_string()))
    }
}

const NO_MATCH: &str = "these details do not match the household registry's records";

/// Logs in at level `low` with knowledge factors: the ID number, the
/// health-insurance card number and the ID card's issue date.
#[utoipa::path(post, path = "/api/identity/knowledge", tag = "identity",
    request_body = KnowledgeFactors,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = SessionView,
            headers(("set-cookie" = String, description = "The session cookie"))),
        (status = 400, description = "A malformed ID number"),
        (status = 401, description = "The details do not match (the same words whether or not the ID exists)"),
        (status = 422, description = "A field is missing"),
        (status = 429, description = "Too many failures: locked out for a while"),
    ))]
async fn knowledge_login(
    State(api): State<IdentityApi>,
    ClientAddress(address): ClientAddress,
    Json(factors): Json<KnowledgeFactors>,
) -> Result<Response, Problem> {
    let subject = factors.subject()?;
    let store = api.sessions.store.as_ref();
    let attempt = lockout::admit(
        store,
        &api.audit,
        lockout::Factor::Knowledge,
        &subject,
        address,
    )
    .await?;
    let check = KnowledgeCheck {
        subject: &subject,
        factors: Factors::Knowledge {
            nhi_card_number: &factors.nhi_card_number,
            id_issue_date: &factors.id_issue_date,
        },
        requester: "identity",
    };
    match super::events::ask_registry(&api.broker, &check).await {
        Ok(true) => attempt.succeeded(store).await?,
        Ok(false) => {
            attempt.failed();
            return Err(Problem::unauthorized(NO_MATCH));
        }
        Err(unchecked) => {
            attempt.unchecked(store).await?;
            return Err(unchecked);
        }
    }
    let (token, session) = api
        .sessions
        .start(&subject, Level::Low)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(session_reply(&api.sessions, &session, Some(&token)))
}

/// The session: whose (masked), its level and deadlines.
#[utoipa::path(get, path = "/api/me", tag = "identity",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 401, description = "No session, or it has ended"),
    ))]
async fn me(CitizenSession(session): CitizenSession) -> axum::Json<SessionView> {
    axum::Json(SessionView::of(&session))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = OwnTrailEntry)]
struct TrailEntry {
    at: String,
    event: String,
    actor: String,
    dataset: Option<String>,
    purpose: String,
    outcome: String,
    detail: String,
}

impl From<Entry> for TrailEntry {
    fn from(entry: Entry) -> Self {
        Self {
            at: clock::format_ms(entry.at_ms),
            event: entry.event,
            actor: entry.actor,
            dataset: entry.dataset,
            purpose: entry.purpose,
            outcome: entry.outcome,
            detail: entry.detail,
        }
    }
}

/// The citizen's own trail; the subject comes from the session, never from
/// the request, so nobody can ask for another's.
#[utoipa::path(get, path = "/api/me/trail", tag = "identity",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Every audit entry about the citizen", body = [TrailEntry]),
        (status = 401, description = "No session, or it has ended"),
    ))]
async fn my_trail(
    State(audit): State<AuditLog>,
    CitizenSession(session): CitizenSession,
) -> Result<axum::Json<Vec<TrailEntry>>, Problem> {
    let entries = audit
        .trail(session.subject.as_str(), 10_000)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(axum::Json(
        entries.into_iter().map(TrailEntry::from).collect(),
    ))
}

/// Ends the session and clears its cookie.
#[utoipa::path(post, path = "/api/identity/logout", tag = "identity",
    security(("session_cookie" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "No session, or it has ended"),
    ))]
async fn logout(
    State(sessions): State<Sessions>,
    CitizenSession(session): CitizenSession,
) -> Result<Response, Problem> {
    sessions
        .end(&session)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, Sessions::clear_cookie());
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}
