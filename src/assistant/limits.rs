//! What an anonymous client may ask of the assistant: new conversations
//! and messages per client address per ten minutes (counted in the
//! database, so every server shares the count), and how many turns and
//! bytes one conversation may hold. Without them one client filled the
//! database with hundreds of conversations a second and kept the model busy.

use std::net::IpAddr;

use axum::http::StatusCode;

use crate::attempts::{self, Admission, Reservation};
use crate::config::ConversationLimits;
use crate::http::Problem;
use crate::store::{Appended, Budget, ConversationCap, ConversationRow, Store};

/// The window both per-address limits count in.
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

/// What a client is about to do.
#[derive(Debug, Clone, Copy)]
pub enum Ask {
    /// Start a conversation.
    Start,
    /// Send a message in one.
    Message,
}

/// Counts the request against its client address's budget, or refuses
/// with 429 and when to try again. Settle what is counted with [`settle`].
pub async fn admit(
    store: &dyn Store,
    limits: &ConversationLimits,
    ask: Ask,
    address: IpAddr,
) -> Result<Reservation, Problem> {
    let (key, max, what) = match ask {
        Ask::Start => (
            format!("conversation-start:address:{address}"),
            limits.conversations_per_address,
            "new conversations",
        ),
        Ask::Message => (
            format!("conversation-message:address:{address}"),
            limits.messages_per_address,
            "messages",
        ),
    };
    let budget = Budget {
        max,
        window_ms: WINDOW_MS,
    };
    match attempts::reserve(store, vec![key], budget)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        Admission::Admitted(counted) => Ok(counted),
        Admission::Refused { retry_after_s } => Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "at most {max} {what} per 10 minutes from one address; \
                 try again in {retry_after_s} s"
            ),
        )
        .typed("/problems/rate-limited", "Too many requests")
        .with("limit", max)
        .with("window_seconds", WINDOW_MS / 1000)
        .retry_after(retry_after_s)),
    }
}

/// A request counts whatever its outcome — the limit is on asking, not on
/// failing — except when the server could not serve it (a 5xx, such as
/// the model still warming up): that attempt is given back.
pub async fn settle<T>(
    store: &dyn Store,
    counted: Reservation,
    outcome: Result<T, Problem>,
) -> Result<T, Problem> {
    match &outcome {
        Err(problem) if problem.status.is_server_error() => counted
            .release(store)
            .await
            .map_err(|e| Problem::internal(&e))?,
        _ => counted.keep(),
    }
    outcome
}

/// The cap one conversation is appended within.
pub fn cap(limits: &ConversationLimits) -> ConversationCap {
    ConversationCap {
        max_turns: limits.conversation_max_turns,
        max_bytes: limits.conversation_max_bytes,
    }
}

/// Refuses a message to a conversation already at its cap, before any
/// work is done on it.
pub fn check_room(
    conversation: &ConversationRow,
    limits: &ConversationLimits,
) -> Result<(), Problem> {
    if conversation.turns >= limits.conversation_max_turns {
        return Err(full(Appended::TooManyTurns, limits));
    }
    if conversation.stored_bytes >= limits.conversation_max_bytes {
        return Err(full(Appended::TooLarge, limits));
    }
    Ok(())
}

/// The problem for a conversation that cannot take another turn: 409
/// (its state, not the request, is the obstacle), naming the limit.
pub fn full(why: Appended, limits: &ConversationLimits) -> Problem {
    let (detail, limit, value) = match why {
        Appended::TooManyTurns => (
            format!(
                "this conversation has reached its limit of {} turns; start a new one",
                limits.conversation_max_turns
            ),
            "conversation_max_turns",
            limits.conversation_max_turns,
        ),
        _ => (
            format!(
                "this conversation has reached its limit of {} bytes kept; start a new one",
                limits.conversation_max_bytes
            ),
            "conversation_max_bytes",
            limits.conversation_max_bytes,
        ),
    };
    Problem::new(StatusCode::CONFLICT, detail)
        .typed("/problems/conversation-full", "Conversation full")
        .with("limit", limit)
        .with("max", value)
}
