//! The identity API: log in with knowledge factors, see the session, read
//! one's own trail, log out.
//!
//! - `POST /api/identity/knowledge` `{national_id, nhi_card_number,
//!   id_issue_date}` → level `low` and a session cookie; 401 with the same
//!   words whether or not the ID number exists; 429 while locked out.
//! - `GET /api/me` → the session's citizen (masked), level and deadlines.
//! - `GET /api/me/trail` → every audit entry about the logged-in citizen.
//! - `POST /api/identity/logout`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRef, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::lockout;
use super::session::{CitizenSession, SessionPolicy, Sessions};
use crate::audit::{AuditLog, Entry};
use crate::broker::{Broker, FetchFailure, KnowledgeCheck};
use crate::clock;
use crate::http::{Json, Problem};
use crate::ids::{Level, NationalId};
use crate::store::Store;

#[derive(Clone, FromRef)]
pub(super) struct IdentityApi {
    pub(super) sessions: Sessions,
    pub(super) broker: Broker,
    pub(super) audit: AuditLog,
}

pub fn router(
    store: Arc<dyn Store>,
    broker: Broker,
    audit: AuditLog,
    policy: SessionPolicy,
) -> Router {
    Router::new()
        .route("/api/identity/knowledge", post(knowledge_login))
        .route("/api/identity/logout", post(logout))
        .route("/api/identity/totp/enroll", post(super::totp::enroll))
        .route("/api/identity/totp/verify", post(super::totp::verify))
        .route("/api/me", get(me))
        .route("/api/me/trail", get(my_trail))
        .with_state(IdentityApi {
            sessions: Sessions { store, policy },
            broker,
            audit,
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFactors {
    national_id: String,
    nhi_card_number: String,
    id_issue_date: String,
}

#[derive(Serialize)]
pub(super) struct SessionView {
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

const NO_MATCH: &str = "these details do not match the household registry's records";

async fn knowledge_login(
    State(api): State<IdentityApi>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(factors): Json<KnowledgeFactors>,
) -> Result<Response, Problem> {
    let subject = NationalId::parse(factors.national_id.trim())
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let store = api.sessions.store.as_ref();
    let keys = lockout::keys(&subject, peer.ip());
    if lockout::locked(store, &keys)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Ok(lockout::refusal());
    }
    let check = KnowledgeCheck {
        subject: &subject,
        nhi_card_number: &factors.nhi_card_number,
        id_issue_date: &factors.id_issue_date,
        requester: "identity",
    };
    match api.broker.verify_knowledge(&check).await {
        Ok(true) => {}
        Ok(false) => {
            lockout::fail(store, &keys)
                .await
                .map_err(|e| Problem::internal(&e))?;
            return Err(Problem::unauthorized(NO_MATCH));
        }
        Err(FetchFailure::NotAudited) => {
            return Err(Problem::service_unavailable(
                "login is not possible right now",
            ));
        }
        Err(failure) => {
            tracing::warn!(%failure, "the household registry could not be asked");
            return Err(Problem::service_unavailable(
                "the household registry cannot be reached; please try again shortly",
            ));
        }
    }
    lockout::succeed(store, &keys[0])
        .await
        .map_err(|e| Problem::internal(&e))?;
    let (token, session) = api
        .sessions
        .start(&subject, Level::Low)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, api.sessions.cookie(&token));
    Ok((headers, axum::Json(SessionView::of(&session))).into_response())
}

async fn me(CitizenSession(session): CitizenSession) -> axum::Json<SessionView> {
    axum::Json(SessionView::of(&session))
}

#[derive(Serialize)]
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
