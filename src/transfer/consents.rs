//! The citizen's consents: list them, revoke one (its tokens stop working
//! at once), download a receipt.
//!
//! - `GET /api/me/consents`
//! - `DELETE /api/me/consents/{id}`
//! - `GET /api/me/consents/{id}/receipt` (compact JWS, `application/jose`)

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use serde_json::Value;

use super::TransferApi;
use super::consent::record;
use crate::audit::Outcome;
use crate::clock;
use crate::http::{Path, Problem};
use crate::identity::CitizenSession;

#[derive(Serialize)]
pub(super) struct ConsentView {
    id: String,
    recipient: String,
    scope: Value,
    standing: bool,
    given_at: String,
    expires_at: String,
    revoked_at: Option<String>,
}

pub(super) async fn list(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
) -> Result<axum::Json<Vec<ConsentView>>, Problem> {
    let rows = api
        .store
        .consents_of(session.subject.as_str())
        .await
        .map_err(|e| Problem::internal(&e))?;
    rows.into_iter()
        .map(|row| {
            Ok(ConsentView {
                scope: serde_json::from_str(&row.scope).map_err(|e| Problem::internal(&e))?,
                id: row.id,
                recipient: row.client_id,
                standing: row.standing,
                given_at: clock::format_ms(row.created_ms),
                expires_at: clock::format_ms(row.expires_ms),
                revoked_at: row.revoked_ms.map(clock::format_ms),
            })
        })
        .collect::<Result<_, Problem>>()
        .map(axum::Json)
}

pub(super) async fn revoke(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let revoked = api
        .store
        .consent_revoke(&id, session.subject.as_str(), clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !revoked {
        return Err(Problem::not_found("you have no such consent in force"));
    }
    let client = api
        .store
        .consent_get(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .map(|c| c.client_id)
        .unwrap_or_default();
    record(
        &api,
        session.subject.as_str(),
        "consent.revoked",
        &client,
        None,
        Outcome::Success,
        format!("consent {id}"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn receipt(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
    Path(id): Path<String>,
) -> Result<axum::response::Response, Problem> {
    let row = api
        .store
        .consent_get(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|row| row.subject == session.subject.as_str())
        .ok_or_else(|| Problem::not_found("you have no such consent"))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/jose")],
        row.receipt,
    )
        .into_response())
}
