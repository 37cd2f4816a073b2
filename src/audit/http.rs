//! The audit log's operator API: one citizen's trail, and a chain check.
//! Citizens get their own trail through their session in a later step.

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::{AuditLog, Entry, VerifyReport};
use crate::clock;
use crate::http::{Operator, OperatorToken, Path, Problem, Query};
use crate::ids::NationalId;

const DEFAULT_LIMIT: i64 = 200;
const MAX_LIMIT: i64 = 10_000;

#[derive(Clone, FromRef)]
struct AuditApi {
    audit: AuditLog,
    operator: OperatorToken,
}

pub fn router(audit: AuditLog, operator: OperatorToken) -> Router {
    Router::new()
        .route("/api/audit/subjects/{subject}/trail", get(trail))
        .route("/api/audit/verify", get(verify))
        .with_state(AuditApi { audit, operator })
}

#[derive(Deserialize)]
struct TrailQuery {
    limit: Option<i64>,
}

/// An entry as a person reads it: the time spelled out.
#[derive(Serialize)]
struct TrailEntry {
    at: String,
    #[serde(flatten)]
    entry: Entry,
}

async fn trail(
    _: Operator,
    State(audit): State<AuditLog>,
    Path(subject): Path<String>,
    Query(query): Query<TrailQuery>,
) -> Result<axum::Json<Vec<TrailEntry>>, Problem> {
    let subject = NationalId::parse(&subject).map_err(|e| Problem::bad_request(e.to_string()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::bad_request(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    let entries = audit
        .trail(subject.as_str(), limit)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(axum::Json(
        entries
            .into_iter()
            .map(|entry| TrailEntry {
                at: clock::format_ms(entry.at_ms),
                entry,
            })
            .collect(),
    ))
}

async fn verify(
    _: Operator,
    State(audit): State<AuditLog>,
) -> Result<axum::Json<VerifyReport>, Problem> {
    audit
        .verify()
        .await
        .map(axum::Json)
        .map_err(|e| Problem::internal(&e))
}
