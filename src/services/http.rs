//! The operator's API for service providers.
//!
//! - `POST /api/admin/service-providers` (a [`super::Registration`]) → 201,
//!   state `pending`; 400 listing every problem; 409 when the id is taken.
//! - `GET /api/admin/service-providers`, `GET …/{id}`.
//! - `POST /api/admin/service-providers/{id}/state` `{"state"}` → review.
//! - `GET /api/admin/service-providers/{id}/transfers`: its transfer log
//!   (every fetch, consent, transfer and counter attempt on its behalf),
//!   newest first, from the audit log, which keeps at least a year.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ProviderState, Registration};
use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::clock;
use crate::http::{Json, Operator, OperatorToken, Path, Problem};
use crate::spec::DatasetRegistry;
use crate::store::{ServiceProviderRow, Store};

#[derive(Clone, FromRef)]
struct AdminApi {
    store: Arc<dyn Store>,
    registry: Arc<DatasetRegistry>,
    audit: AuditLog,
    operator: OperatorToken,
}

pub fn router(
    store: Arc<dyn Store>,
    registry: Arc<DatasetRegistry>,
    audit: AuditLog,
    operator: OperatorToken,
) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(register, list))
        .routes(routes!(show))
        .routes(routes!(set_state))
        .routes(routes!(transfers))
        .with_state(AdminApi {
            store,
            registry,
            audit,
            operator,
        })
}

#[derive(Serialize, utoipa::ToSchema)]
struct ProviderView {
    state: ProviderState,
    registration: Registration,
    created_at: String,
    updated_at: String,
}

fn view(row: &ServiceProviderRow) -> Result<ProviderView, Problem> {
    Ok(ProviderView {
        state: match row.state.as_str() {
            "active" => ProviderState::Active,
            "suspended" => ProviderState::Suspended,
            _ => ProviderState::Pending,
        },
        registration: serde_json::from_str(&row.registration).map_err(|e| Problem::internal(&e))?,
        created_at: clock::format_ms(row.created_ms),
        updated_at: clock::format_ms(row.updated_ms),
    })
}

async fn record(audit: &AuditLog, event: &str, detail: String) -> Result<(), Problem> {
    audit
        .append(NewEntry {
            event: event.into(),
            actor: "operator".into(),
            subject: None,
            dataset: None,
            purpose: "service-provider review".into(),
            outcome: Outcome::Success.as_str().into(),
            detail,
        })
        .await
        .map(|_| ())
        .map_err(|e| Problem::internal(&e))
}

/// Registers a service provider, pending review.
#[utoipa::path(post, path = "/api/admin/service-providers", tag = "service providers",
    security(("operator_token" = [])),
    request_body = Registration,
    responses(
        (status = 201, description = "Registered, state `pending`", body = ProviderView),
        (status = 400, description = "The registration has problems: `problems` lists each"),
        (status = 401, description = "No or a wrong operator token"),
        (status = 409, description = "The id is taken"),
        (status = 422, description = "A field is missing or malformed"),
    ))]
async fn register(
    _: Operator,
    State(api): State<AdminApi>,
    Json(registration): Json<Registration>,
) -> Result<(StatusCode, axum::Json<ProviderView>), Problem> {
    let problems = registration.problems(&api.registry);
    if !problems.is_empty() {
        return Err(Problem::bad_request(problems.join("; ")).with("problems", problems));
    }
    let now = clock::now_ms();
    let row = ServiceProviderRow {
        id: registration.id.clone(),
        registration: serde_json::to_string(&registration).map_err(|e| Problem::internal(&e))?,
        state: ProviderState::Pending.as_str().into(),
        created_ms: now,
        updated_ms: now,
    };
    let inserted = api
        .store
        .service_provider_insert(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !inserted {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("a service provider {} is registered already", row.id),
        ));
    }
    record(
        &api.audit,
        "service_provider.register",
        format!("{} pending", row.id),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(view(&row)?)))
}

/// Every registered service provider.
#[utoipa::path(get, path = "/api/admin/service-providers", tag = "service providers",
    security(("operator_token" = [])),
    responses(
        (status = 200, description = "The providers", body = [ProviderView]),
        (status = 401, description = "No or a wrong operator token"),
    ))]
async fn list(
    _: Operator,
    State(store): State<Arc<dyn Store>>,
) -> Result<axum::Json<Vec<ProviderView>>, Problem> {
    let rows = store
        .service_providers()
        .await
        .map_err(|e| Problem::internal(&e))?;
    rows.iter()
        .map(view)
        .collect::<Result<_, _>>()
        .map(axum::Json)
}

async fn current(store: &dyn Store, id: &str) -> Result<ProviderView, Problem> {
    let row = store
        .service_provider_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("there is no service provider {id}")))?;
    view(&row)
}

#[utoipa::path(get, path = "/api/admin/service-providers/{id}", tag = "service providers",
    security(("operator_token" = [])),
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "The provider", body = ProviderView),
        (status = 401, description = "No or a wrong operator token"),
        (status = 404, description = "No such provider"),
    ))]
async fn show(
    _: Operator,
    State(store): State<Arc<dyn Store>>,
    Path(id): Path<String>,
) -> Result<axum::Json<ProviderView>, Problem> {
    current(store.as_ref(), &id).await.map(axum::Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewState {
    state: ProviderState,
}

/// The review: activates, suspends or returns a provider to pending.
#[utoipa::path(post, path = "/api/admin/service-providers/{id}/state", tag = "service providers",
    security(("operator_token" = [])),
    params(("id" = String, Path, description = "The provider's id")),
    request_body = NewState,
    responses(
        (status = 200, description = "The provider in its new state", body = ProviderView),
        (status = 401, description = "No or a wrong operator token"),
        (status = 404, description = "No such provider"),
        (status = 422, description = "Not a state"),
    ))]
async fn set_state(
    _: Operator,
    State(api): State<AdminApi>,
    Path(id): Path<String>,
    Json(body): Json<NewState>,
) -> Result<axum::Json<ProviderView>, Problem> {
    let changed = api
        .store
        .service_provider_set_state(&id, body.state.as_str(), clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !changed {
        return Err(Problem::not_found(format!(
            "there is no service provider {id}"
        )));
    }
    record(
        &api.audit,
        "service_provider.state",
        format!("{id} {}", body.state.as_str()),
    )
    .await?;
    current(api.store.as_ref(), &id).await.map(axum::Json)
}

#[derive(Serialize, utoipa::ToSchema)]
struct TransferEntry {
    at: String,
    event: String,
    subject: Option<String>,
    dataset: Option<String>,
    outcome: String,
    detail: String,
}

/// The provider's transfer log, newest first.
#[utoipa::path(get, path = "/api/admin/service-providers/{id}/transfers", tag = "service providers",
    security(("operator_token" = [])),
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 200, description = "Every fetch, consent, transfer and counter attempt on its behalf", body = [TransferEntry]),
        (status = 401, description = "No or a wrong operator token"),
        (status = 404, description = "No such provider"),
    ))]
async fn transfers(
    _: Operator,
    State(api): State<AdminApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<TransferEntry>>, Problem> {
    current(api.store.as_ref(), &id).await?;
    let entries = api
        .audit
        .by_actor(&id, 10_000)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(axum::Json(
        entries
            .into_iter()
            .map(|entry| TransferEntry {
                at: clock::format_ms(entry.at_ms),
                event: entry.event,
                subject: entry.subject,
                dataset: entry.dataset,
                outcome: entry.outcome,
                detail: entry.detail,
            })
            .collect(),
    ))
}
