//! `POST /api/understand {"text": "..."}`: the needs with their scores, the
//! crisis flag and the language. Needs no login: nothing personal is read.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Understander, Understanding};
use crate::http::{Body, Problem};

/// The longest message the assistant reads, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

pub fn router(understander: Understander) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(understand))
        .with_state(understander)
}

/// The body `text_of` accepts (read by hand, so this only documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct UnderstandRequest {
    /// The citizen's message; not blank.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    text: String,
}

/// Reads `text` out of the body by hand so that every way of getting it
/// wrong is a 400 that says which.
pub(crate) fn text_of(body: &[u8]) -> Result<String, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("the body is not valid JSON: {e}")))?;
    let text = match value.get("text") {
        Some(serde_json::Value::String(text)) => text,
        Some(_) => return Err(Problem::bad_request("\"text\" must be a string")),
        None => return Err(Problem::bad_request("send {\"text\": \"your question\"}")),
    };
    if text.trim().is_empty() {
        return Err(Problem::bad_request("the text is empty"));
    }
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(Problem::bad_request(format!(
            "the text has {length} characters; at most {MAX_TEXT_CHARS} are read"
        )));
    }
    Ok(text.clone())
}

/// The needs a message speaks of, with scores, the crisis flag and the
/// language. Needs no login: nothing personal is read.
#[utoipa::path(post, path = "/api/understand", tag = "understand",
    request_body = UnderstandRequest,
    responses(
        (status = 200, description = "What the message is about", body = Understanding),
        (status = 400, description = "Not JSON, no `text`, blank, or over 2,000 characters"),
        (status = 503, description = "Too many questions are waiting; try again after `Retry-After`"),
    ))]
async fn understand(
    State(understander): State<Understander>,
    Body(body): Body,
) -> Result<axum::Json<Understanding>, Problem> {
    let text = text_of(&body)?;
    understander
        .understand(&text)
        .await
        .map(axum::Json)
        .map_err(|e| e.problem())
}
