//! The conversation API. Asking needs no login: the conversation id, long
//! and random, is the only key to it, and nothing personal is in it until
//! the citizen consents. From then on it belongs to that citizen and only
//! their session opens it. A conversation, with the records it holds,
//! lasts 24 hours from its start; the citizen can delete it at once.
//!
//! - `POST /api/conversations {"text"}` → 201 `{id, expires, reply}`
//! - `POST /api/conversations/{id}/messages {"text"}` → the reply
//! - `GET /api/conversations/{id}` → every turn
//! - `DELETE /api/conversations/{id}` → 204
//! - `POST /api/conversations/{id}/consent`, `GET /assistant/callback`:
//!   see [`super::consent`].

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::held::{self, Held};
use super::limits::{self, Ask};
use super::reply::Reply;
use super::{Assistant, Earlier, consent};
use crate::audit::{AuditLog, NewEntry};
use crate::clock::now_ms;
use crate::config::ConversationLimits;
use crate::http::{Body, ClientAddress, Path, Problem};
use crate::identity::session::MaybeSession;
use crate::identity::{Session, Sessions};
use crate::recommend::http::today_in_taiwan;
use crate::sealing::CredentialKey;
use crate::store::{Appended, ConversationRow, Store};
use crate::understand::MAX_TEXT_CHARS;

/// How long a conversation, and whatever it holds, lives.
pub const LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone, axum::extract::FromRef)]
pub struct ConversationApi {
    pub store: Arc<dyn Store>,
    pub assistant: Assistant,
    pub sessions: Sessions,
    pub audit: AuditLog,
    /// Seals the records and PKCE verifiers kept in the database.
    pub sealer: Arc<CredentialKey>,
    /// The navigator's clients at the platform.
    pub clients: consent::Clients,
    /// Where a social worker's delegated consent is kept.
    pub delegations: crate::casework::delegation::Delegations,
    /// The platform's issuer identifier (its public origin).
    pub issuer: Arc<str>,
    /// What one client address may ask, and one conversation hold.
    pub limits: ConversationLimits,
}

impl ConversationApi {
    /// As [`Self::owned`], and once it holds records (or answers built on
    /// them), only a session at their level reads it: one that logged in
    /// lower since gets a step-up problem and nothing of what it holds.
    pub(super) async fn open(
        &self,
        id: &str,
        session: Option<&Session>,
    ) -> Result<ConversationRow, Problem> {
        let conversation = self.owned(id, session).await?;
        if let Some(session) = session.filter(|_| conversation.subject.is_some()) {
            let registry = &self.assistant.registry;
            let needed = held::level_needed(self.store.as_ref(), registry, id).await?;
            if session.level < needed {
                let retry = format!("GET /api/conversations/{id}");
                return Err(crate::identity::step_up(session.level, needed, &retry));
            }
        }
        Ok(conversation)
    }

    /// The conversation if it lives and the caller may open it: anyone
    /// with its id until the citizen consents, then only that citizen. To
    /// anyone else it does not exist.
    async fn owned(&self, id: &str, session: Option<&Session>) -> Result<ConversationRow, Problem> {
        let conversation = self
            .store
            .conversation_get(id, now_ms())
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(gone)?;
        match &conversation.subject {
            None => Ok(conversation),
            Some(subject) if session.is_some_and(|s| s.subject.as_str() == subject) => {
                Ok(conversation)
            }
            Some(_) if session.is_none() => Err(Problem::unauthorized(
                "this conversation holds your records: log in to open it",
            )),
            Some(_) => Err(gone()),
        }
    }
}

pub fn router(api: ConversationApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(show, remove))
        .routes(routes!(message))
        .routes(routes!(consent::start))
        .routes(routes!(consent::callback))
        .with_state(api)
}

/// A message, as `text_of` reads it (by hand, so this only documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Message {
    /// Not blank; at most 2,000 characters once trimmed.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    text: String,
}

/// The message text, or a 400 saying what is wrong with the body.
pub(crate) fn text_of(body: &[u8]) -> Result<String, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("the body is not valid JSON: {e}")))?;
    let text = match value.get("text") {
        Some(serde_json::Value::String(text)) => text.trim().to_owned(),
        Some(_) => return Err(Problem::bad_request("\"text\" must be a string")),
        None => return Err(Problem::bad_request("send {\"text\": \"your message\"}")),
    };
    if text.is_empty() {
        return Err(Problem::bad_request("the message is empty"));
    }
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(Problem::bad_request(format!(
            "the message has {length} characters; at most {MAX_TEXT_CHARS} are read"
        )));
    }
    Ok(text)
}

pub(super) fn gone() -> Problem {
    Problem::not_found("no such conversation: it never existed, expired or was deleted")
}

#[derive(Serialize, utoipa::ToSchema)]
struct Started {
    id: String,
    expires: String,
    reply: Reply,
}

async fn answer_and_keep(
    api: &ConversationApi,
    id: &str,
    text: &str,
    earlier: Option<&Earlier>,
    held: &Held,
) -> Result<Reply, Problem> {
    let mut reply = api
        .assistant
        .answer(text, today_in_taiwan(), earlier, held, None)
        .await?;
    keep_turn(api, id, text, &mut reply).await?;
    Ok(reply)
}

/// Appends the question and its reply as the conversation's next turn.
pub(super) async fn keep_turn(
    api: &ConversationApi,
    id: &str,
    question: &str,
    reply: &mut Reply,
) -> Result<(), Problem> {
    let stored = serde_json::to_string(&reply).map_err(|e| Problem::internal(&e))?;
    let cap = limits::cap(&api.limits);
    match api
        .store
        .conversation_append(id, &reply.language, question, &stored, now_ms(), cap)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        Appended::Turn(turn) => reply.turn = turn,
        Appended::Gone => return Err(gone()),
        full => return Err(limits::full(full, &api.limits)),
    }
    Ok(())
}

/// The latest turn that was about some need.
pub(super) async fn earlier_of(
    api: &ConversationApi,
    id: &str,
) -> Result<Option<Earlier>, Problem> {
    let turns = api
        .store
        .conversation_turns(id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(turns.into_iter().rev().find_map(|turn| {
        let reply: Reply = serde_json::from_str(&turn.reply).ok()?;
        Earlier::of(turn.question, &reply)
    }))
}

/// Starts a conversation with a question; no login needed.
#[utoipa::path(post, path = "/api/conversations", tag = "assistant",
    request_body = Message,
    responses(
        (status = 201, description = "The conversation's id (its only key until the citizen consents), its expiry and the first reply", body = Started),
        (status = 400, description = "Not JSON, no `text`, blank, or too long"),
        (status = 409, description = "The first turn alone is larger than a conversation may hold"),
        (status = 429, description = "Too many new conversations from this address; `Retry-After` says when to try again"),
    ))]
async fn start(
    State(api): State<ConversationApi>,
    ClientAddress(address): ClientAddress,
    Body(body): Body,
) -> Result<(StatusCode, axum::Json<Started>), Problem> {
    let text = text_of(&body)?;
    let counted = limits::admit(api.store.as_ref(), &api.limits, Ask::Start, address).await?;
    let started = begin(&api, &text).await;
    limits::settle(api.store.as_ref(), counted, started)
        .await
        .map(|started| (StatusCode::CREATED, axum::Json(started)))
}

/// A new conversation and its first turn.
async fn begin(api: &ConversationApi, text: &str) -> Result<Started, Problem> {
    let now = now_ms();
    let row = ConversationRow {
        id: crate::secrets::random_token(),
        language: crate::understand::language::detect(text)
            .as_str()
            .to_owned(),
        created_ms: now,
        updated_ms: now,
        expires_ms: now + LIFETIME_MS,
        turns: 0,
        subject: None,
        stored_bytes: 0,
    };
    api.store
        .conversation_create(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let reply = match answer_and_keep(api, &row.id, text, None, &Held::default()).await {
        Ok(reply) => reply,
        Err(problem) => {
            // A conversation without its first turn is of no use to anyone.
            let _ = api.store.conversation_delete(&row.id).await;
            return Err(problem);
        }
    };
    Ok(Started {
        id: row.id,
        expires: crate::clock::format_ms(row.expires_ms),
        reply,
    })
}

/// Asks a follow-up question in a conversation.
#[utoipa::path(post, path = "/api/conversations/{id}/messages", tag = "assistant",
    security((), ("session_cookie" = [])),
    params(("id" = String, Path, description = "The conversation id")),
    request_body = Message,
    responses(
        (status = 200, description = "The reply", body = Reply),
        (status = 400, description = "Not JSON, no `text`, blank, or too long"),
        (status = 401, description = "The conversation holds records: log in as its citizen, at the level of the records it holds (else a `/problems/step-up-required` problem)"),
        (status = 404, description = "No such conversation: never existed, expired or deleted"),
        (status = 409, description = "The conversation holds as many turns or bytes as it may"),
        (status = 429, description = "Too many messages from this address; `Retry-After` says when to try again"),
    ))]
async fn message(
    State(api): State<ConversationApi>,
    ClientAddress(address): ClientAddress,
    MaybeSession(session): MaybeSession,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<axum::Json<Reply>, Problem> {
    let text = text_of(&body)?;
    let counted = limits::admit(api.store.as_ref(), &api.limits, Ask::Message, address).await?;
    let replied = follow_up(&api, session.as_ref(), &id, &text).await;
    limits::settle(api.store.as_ref(), counted, replied)
        .await
        .map(axum::Json)
}

/// The reply to a follow-up, kept as the conversation's next turn.
async fn follow_up(
    api: &ConversationApi,
    session: Option<&Session>,
    id: &str,
    text: &str,
) -> Result<Reply, Problem> {
    let conversation = api.open(id, session).await?;
    // Refused before the model is asked: a full conversation costs nothing.
    limits::check_room(&conversation, &api.limits)?;
    let earlier = earlier_of(api, id).await?;
    // Records consented earlier in the conversation answer this one too.
    let held = held::load(api.store.as_ref(), &api.sealer, id, conversation.expires_ms).await?;
    answer_and_keep(api, id, text, earlier.as_ref(), &held).await
}

#[derive(Serialize, utoipa::ToSchema)]
struct Turn {
    turn: i64,
    question: String,
    reply: Reply,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Conversation)]
struct Shown {
    id: String,
    language: String,
    expires: String,
    turns: Vec<Turn>,
}

/// Every turn of a conversation.
#[utoipa::path(get, path = "/api/conversations/{id}", tag = "assistant",
    security((), ("session_cookie" = [])),
    params(("id" = String, Path, description = "The conversation id")),
    responses(
        (status = 200, description = "The conversation", body = Shown),
        (status = 401, description = "The conversation holds records: log in as its citizen, at the level of the records it holds (else a `/problems/step-up-required` problem)"),
        (status = 404, description = "No such conversation: never existed, expired or deleted"),
    ))]
async fn show(
    State(api): State<ConversationApi>,
    MaybeSession(session): MaybeSession,
    Path(id): Path<String>,
) -> Result<axum::Json<Shown>, Problem> {
    let conversation = api.open(&id, session.as_ref()).await?;
    let turns = api
        .store
        .conversation_turns(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .into_iter()
        .map(|row| {
            let mut reply: Reply =
                serde_json::from_str(&row.reply).map_err(|e| Problem::internal(&e))?;
            reply.turn = row.turn;
            Ok(Turn {
                turn: row.turn,
                question: row.question,
                reply,
            })
        })
        .collect::<Result<_, Problem>>()?;
    Ok(axum::Json(Shown {
        id: conversation.id,
        language: conversation.language,
        expires: crate::clock::format_ms(conversation.expires_ms),
        turns,
    }))
}

/// Deletes a conversation and the records it holds, at once.
#[utoipa::path(delete, path = "/api/conversations/{id}", tag = "assistant",
    security((), ("session_cookie" = [])),
    params(("id" = String, Path, description = "The conversation id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "The conversation holds records: log in as its citizen"),
        (status = 404, description = "No such conversation: never existed, expired or deleted"),
    ))]
async fn remove(
    State(api): State<ConversationApi>,
    MaybeSession(session): MaybeSession,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    // Deleting reveals nothing: the citizen's own session at any level may.
    let conversation = api.owned(&id, session.as_ref()).await?;
    let records = api
        .store
        .conversation_records(&id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !api
        .store
        .conversation_delete(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(gone());
    }
    // The citizen's trail shows their records leaving the assistant too.
    if let Some(subject) = conversation.subject.filter(|_| !records.is_empty()) {
        let datasets: Vec<&str> = records.iter().map(|r| r.dataset.as_str()).collect();
        api.audit
            .append(NewEntry {
                event: "assistant.records_deleted".into(),
                actor: super::client::CLIENT_ID.into(),
                subject: Some(subject),
                dataset: None,
                purpose: "the citizen deleted the conversation".into(),
                outcome: "success".into(),
                detail: datasets.join(", "),
            })
            .await
            .map_err(|e| Problem::internal(&e))?;
    }
    Ok(StatusCode::NO_CONTENT)
}
