//! The operator's side of the catalogue: issuing agency tokens (saying
//! what kind of provider the agency is), and reviewing what agencies
//! proposed before it is public. Every decision is in the audit log.
//!
//! - `POST /api/admin/agencies/{agency}/token[?provider_type=public|ngo|private]`
//!   → a new token
//! - `GET /api/admin/catalog/reviews`: what waits, with the published
//!   version it would replace and why it waits
//! - `POST /api/admin/catalog/reviews/{id}/approve` → published (checked
//!   again against the catalogue as it is now)
//! - `POST /api/admin/catalog/reviews/{id}/reject` → 204; the published
//!   version, if any, stays

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Service;
use super::agencies::{ProviderType, default_kind};
use super::http::{CatalogApi, check_change, record};
use crate::clock;
use crate::http::{Operator, Path, Problem, Query};
use crate::secrets::digest;
use crate::store::ProposalRow;

pub(super) fn routes() -> OpenApiRouter<CatalogApi> {
    OpenApiRouter::new()
        .routes(routes!(issue_token))
        .routes(routes!(reviews))
        .routes(routes!(approve))
        .routes(routes!(reject))
}

/// A new agency token, shown once.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct IssuedToken {
    agency: String,
    provider_type: String,
    token: String,
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct TokenQuery {
    /// What kind of provider the agency is: `public`, `ngo` or `private`
    /// (default: as the curated catalogue shows the agency, else private).
    provider_type: Option<String>,
}

/// Issues (or replaces) an agency's catalogue token.
#[utoipa::path(post, path = "/api/admin/agencies/{agency}/token", tag = "catalog",
    security(("operator_token" = [])),
    params(
        ("agency" = String, Path, description = "2 to 64 of a-z, 0-9, '.', '-'", pattern = "^[a-z0-9.-]{2,64}$"),
        TokenQuery,
    ),
    responses(
        (status = 201, description = "The token, shown this once", body = IssuedToken),
        (status = 400, description = "A malformed agency id or provider type"),
        (status = 401, description = "No or a wrong operator token"),
    ))]
async fn issue_token(
    _: Operator,
    State(api): State<CatalogApi>,
    Path(agency): Path<String>,
    Query(query): Query<TokenQuery>,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    let valid = (2..=64).contains(&agency.len())
        && agency
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    if !valid {
        return Err(Problem::bad_request(
            "an agency id is 2 to 64 of a-z, 0-9, '.', '-'",
        ));
    }
    let kind = match query.provider_type.as_deref() {
        None => default_kind(&agency),
        Some(raw) => ProviderType::parse(raw)
            .ok_or_else(|| Problem::bad_request("provider_type is one of public, ngo, private"))?,
    };
    let token = crate::secrets::random_token();
    api.store
        .agency_token_put(&agency, &digest(&token), kind.as_str(), clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    record(&api, "operator", "catalog.agency_token", &agency).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"agency": agency, "provider_type": kind.as_str(), "token": token})),
    ))
}

/// A change waiting for review (built with `json!`; this documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Waiting {
    id: String,
    agency: String,
    service: Service,
    /// The version serving now; null for a new service.
    published: Option<Service>,
    reasons: Vec<String>,
    submitted_ms: i64,
}

fn parse(row: &ProposalRow) -> Result<(Service, Vec<String>), Problem> {
    let service = serde_json::from_str(&row.service).map_err(|e| Problem::internal(&e))?;
    let reasons = serde_json::from_str(&row.reasons).map_err(|e| Problem::internal(&e))?;
    Ok((service, reasons))
}

/// What waits for review, oldest first.
#[utoipa::path(get, path = "/api/admin/catalog/reviews", tag = "catalog",
    security(("operator_token" = [])),
    responses(
        (status = 200, description = "The changes waiting", body = [Waiting]),
        (status = 401, description = "No or a wrong operator token"),
    ))]
async fn reviews(
    _: Operator,
    State(api): State<CatalogApi>,
) -> Result<axum::Json<Vec<Value>>, Problem> {
    let rows = api
        .store
        .proposals_all()
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut waiting = Vec::new();
    for row in rows {
        let (service, reasons) = parse(&row)?;
        let published: Option<Value> = api
            .store
            .catalog_get(&row.id)
            .await
            .map_err(|e| Problem::internal(&e))?
            .map(|p| serde_json::from_str(&p.service))
            .transpose()
            .map_err(|e| Problem::internal(&e))?;
        waiting.push(json!({
            "id": row.id, "agency": row.agency, "service": service,
            "published": published, "reasons": reasons, "submitted_ms": row.submitted_ms,
        }));
    }
    Ok(axum::Json(waiting))
}

async fn waiting(api: &CatalogApi, id: &str) -> Result<ProposalRow, Problem> {
    api.store
        .proposal_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("nothing of {id} waits for review")))
}

/// Publishes a change that waited, once it still validates.
#[utoipa::path(post, path = "/api/admin/catalog/reviews/{id}/approve", tag = "catalog",
    security(("operator_token" = [])),
    params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 200, description = "Published", body = super::http::CatalogEntry),
        (status = 400, description = "It no longer validates against the catalogue as it is now"),
        (status = 401, description = "No or a wrong operator token"),
        (status = 404, description = "Nothing of this id waits"),
        (status = 409, description = "It changed or went while being approved"),
    ))]
async fn approve(
    _: Operator,
    State(api): State<CatalogApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, Problem> {
    let row = waiting(&api, &id).await?;
    let (service, _) = parse(&row)?;
    check_change(&api, &row.agency, &service).await?;
    let published = api
        .store
        .proposal_publish(&id, row.submitted_ms, clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| {
            Problem::new(
                StatusCode::CONFLICT,
                format!("{id} changed or was withdrawn meanwhile; review it again"),
            )
        })?;
    record(&api, "operator", "catalog.approve", &id).await?;
    Ok(axum::Json(json!({
        "agency": published.agency, "service": service, "review": "published",
    })))
}

/// Turns down a change that waited; a published version stays as it is.
#[utoipa::path(post, path = "/api/admin/catalog/reviews/{id}/reject", tag = "catalog",
    security(("operator_token" = [])),
    params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 204, description = "Rejected and removed"),
        (status = 401, description = "No or a wrong operator token"),
        (status = 404, description = "Nothing of this id waits"),
    ))]
async fn reject(
    _: Operator,
    State(api): State<CatalogApi>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    if !api
        .store
        .proposal_delete(&id, None)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(Problem::not_found(format!(
            "nothing of {id} waits for review"
        )));
    }
    record(&api, "operator", "catalog.reject", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
