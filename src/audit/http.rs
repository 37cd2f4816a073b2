//! The audit log's operator API: one citizen's trail, and a chain check.
//! Citizens get their own trail through their session in a later step.

use axum::extract::{FromRef, State};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

pub fn router(audit: AuditLog, operator: OperatorToken) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(trail))
        .routes(routes!(verify))
        .with_state(AuditApi { audit, operator })
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TrailQuery {
    /// How many entries, newest first (default 200).
    #[param(minimum = 1, maximum = 10_000)]
    limit: Option<i64>,
}

/// An entry as a person reads it: the time spelled out.
#[derive(Serialize, utoipa::ToSchema)]
struct TrailEntry {
    at: String,
    #[serde(flatten)]
    entry: Entry,
}

/// One citizen's audit trail.
#[utoipa::path(get, path = "/api/audit/subjects/{subject}/trail", tag = "audit",
    security(("operator_token" = [])),
    params(("subject" = NationalId, Path, description = "The citizen's national ID"), TrailQuery),
    responses(
        (status = 200, description = "The trail's entries", body = [TrailEntry]),
        (status = 400, description = "A malformed national ID or limit"),
        (status = 401, description = "No or a wrong operator token"),
    ))]
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

/// Checks the whole hash chain of the log.
#[utoipa::path(get, path = "/api/audit/verify", tag = "audit",
    security(("operator_token" = [])),
    responses(
        (status = 200, description = "What was checked, and the first problem found if any", body = VerifyReport),
        (status = 401, description = "No or a wrong operator token"),
    ))]
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
