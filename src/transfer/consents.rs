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

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ConsentView {
    id: String,
    recipient: String,
    scope: Value,
    standing: bool,
    given_at: String,
    expires_at: String,
    revoked_at: Option<String>,
}

/// The citizen's consents, in force or not.
#[utoipa::path(get, path = "/api/me/consents", tag = "consent",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The consents", body = [ConsentView]),
        (status = 401, description = "No session"),
    ))]
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

/// Withdraws a consent: no further transfer under it.
#[utoipa::path(delete, path = "/api/me/consents/{id}", tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The consent")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "No session"),
        (status = 404, description = "No such consent in force"),
    ))]
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

/// The consent receipt, signed by the platform (JWS compact).
#[utoipa::path(get, path = "/api/me/consents/{id}/receipt", tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The consent")),
    responses(
        (status = 200, description = "The receipt", content_type = "application/jose", body = String),
        (status = 401, description = "No session"),
        (status = 404, description = "No such consent"),
    ))]
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

/// One package waiting in the citizen's personal cloud.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CloudPackageView)]
pub(super) struct PackageView {
    id: String,
    /// The service provider it was gathered for.
    recipient: String,
    datasets: Vec<String>,
    /// Agencies that could not deliver, for this package.
    unavailable: Vec<String>,
    created_at: String,
    expires_at: String,
}

/// `GET /api/me/cloud`: what waits in the citizen's personal cloud, and
/// until when (records, never shown here, stay sealed).
#[utoipa::path(get, path = "/api/me/cloud", tag = "consent",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The packages waiting, and until when", body = [PackageView]),
        (status = 401, description = "No session"),
    ))]
pub(super) async fn cloud(
    State(api): State<TransferApi>,
    CitizenSession(session): CitizenSession,
) -> Result<axum::Json<Vec<PackageView>>, Problem> {
    let rows = api
        .store
        .cloud_of(session.subject.as_str(), clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut packages = Vec::with_capacity(rows.len());
    for row in rows {
        let plain = api
            .cloud_key
            .open_envelope(&row.id, &row.sealed)
            .map_err(|e| Problem::internal(&e))?;
        let package: super::cloud::CloudPackage =
            serde_json::from_slice(&plain).map_err(|e| Problem::internal(&e))?;
        packages.push(PackageView {
            id: row.id,
            recipient: package.client_id,
            datasets: package.items.into_iter().map(|item| item.dataset).collect(),
            unavailable: package.unavailable,
            created_at: clock::format_ms(row.created_ms),
            expires_at: clock::format_ms(row.expires_ms),
        });
    }
    Ok(axum::Json(packages))
}
