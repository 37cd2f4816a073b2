//! The conversation API. Asking needs no login: the conversation id, long
//! and random, is the only key to it, and nothing personal is in it until
//! the citizen consents. A conversation lasts 24 hours from its start; the
//! citizen can delete it at once.
//!
//! - `POST /api/conversations {"text"}` → 201 `{id, expires, reply}`
//! - `POST /api/conversations/{id}/messages {"text"}` → the reply
//! - `GET /api/conversations/{id}` → every turn
//! - `DELETE /api/conversations/{id}` → 204

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Serialize;

use super::reply::Reply;
use super::{Assistant, Earlier};
use crate::clock::now_ms;
use crate::http::{Path, Problem};
use crate::recommend::http::today_in_taiwan;
use crate::store::{ConversationRow, Store};
use crate::understand::MAX_TEXT_CHARS;

/// How long a conversation, and whatever it holds, lives.
pub const LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone)]
pub struct ConversationApi {
    pub store: std::sync::Arc<dyn Store>,
    pub assistant: Assistant,
}

pub fn router(api: ConversationApi) -> Router {
    Router::new()
        .route("/api/conversations", post(start))
        .route(
            "/api/conversations/{id}",
            axum::routing::get(show).delete(remove),
        )
        .route("/api/conversations/{id}/messages", post(message))
        .with_state(api)
}

/// The message text, or a 400 saying what is wrong with the body.
fn text_of(body: &[u8]) -> Result<String, Problem> {
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

fn gone() -> Problem {
    Problem::not_found("no such conversation: it never existed, expired or was deleted")
}

#[derive(Serialize)]
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
) -> Result<Reply, Problem> {
    let mut reply = api
        .assistant
        .answer(text, today_in_taiwan(), earlier)
        .await?;
    let stored = serde_json::to_string(&reply).map_err(|e| Problem::internal(&e))?;
    let turn = api
        .store
        .conversation_append(id, &reply.language, text, &stored, now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(gone)?;
    reply.turn = turn;
    Ok(reply)
}

async fn start(
    State(api): State<ConversationApi>,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<Started>), Problem> {
    let text = text_of(&body)?;
    let now = now_ms();
    let row = ConversationRow {
        id: crate::secrets::random_token(),
        language: crate::understand::language::detect(&text)
            .as_str()
            .to_owned(),
        created_ms: now,
        updated_ms: now,
        expires_ms: now + LIFETIME_MS,
        turns: 0,
    };
    api.store
        .conversation_create(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let reply = answer_and_keep(&api, &row.id, &text, None).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Started {
            id: row.id,
            expires: crate::clock::format_ms(row.expires_ms),
            reply,
        }),
    ))
}

async fn message(
    State(api): State<ConversationApi>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<axum::Json<Reply>, Problem> {
    let text = text_of(&body)?;
    api.store
        .conversation_get(&id, now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(gone)?;
    // The latest turn that was about some need.
    let turns = api
        .store
        .conversation_turns(&id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let earlier = turns.into_iter().rev().find_map(|turn| {
        let reply: Reply = serde_json::from_str(&turn.reply).ok()?;
        (!reply.needs.is_empty()).then_some(Earlier {
            needs: reply.needs,
            question: turn.question,
        })
    });
    answer_and_keep(&api, &id, &text, earlier.as_ref())
        .await
        .map(axum::Json)
}

#[derive(Serialize)]
struct Turn {
    turn: i64,
    question: String,
    reply: Reply,
}

#[derive(Serialize)]
struct Shown {
    id: String,
    language: String,
    expires: String,
    turns: Vec<Turn>,
}

async fn show(
    State(api): State<ConversationApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<Shown>, Problem> {
    let conversation = api
        .store
        .conversation_get(&id, now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(gone)?;
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

async fn remove(
    State(api): State<ConversationApi>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    if api
        .store
        .conversation_delete(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(gone())
    }
}
