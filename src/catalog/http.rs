//! The catalogue API. Anyone may read what is published; an agency, with
//! the token an operator issued it, may add, replace and remove its own
//! services, and every change passes the same validation as `navigator
//! catalog validate` (parse, fields, types, cost, the service's own tests)
//! before anything is stored. A new service, and a risky change to a
//! published one ([`super::review`]), wait for an operator's approval
//! ([`super::review_http`]); the published version serves meanwhile.
//!
//! - `GET /api/catalog/services`, `GET /api/catalog/services/{id}`: published
//! - `POST /api/catalog/services` (agency) → 201, pending review; 409 if the
//!   id is taken; 403 outside the agency's namespaces or for a
//!   `provider_type` that is not the agency's ([`super::agencies`])
//! - `PUT /api/catalog/services/{id}` (agency) → 200 published, or 202
//!   pending review; `DELETE /api/catalog/services/{id}` (agency) → 204;
//!   403 for another agency's service
//! - `POST /api/catalog/validate` (agency): a dry run of a change, the
//!   service as YAML or JSON → each problem at its condition or test and
//!   every rule test's result; nothing stored ([`super::dry_run`])
//! - `GET /api/catalog/mine` (agency): the calling agency and its services,
//!   with what waits for review

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::agencies::{AgencyError, AgencyProfile};
use super::validate::validate_service;
use super::work::{RuleWork, WorkError};
use super::{Catalog, Service, Tables};
use super::{dry_run, review, review_http};
use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::clock;
use crate::http::{Json, OperatorToken, Path, Problem};
use crate::needs::NeedRegistry;
use crate::secrets::digest;
use crate::spec::DatasetRegistry;
use crate::store::{CatalogRow, ProposalRow, Store};

#[derive(Clone, FromRef)]
pub struct CatalogApi {
    pub store: Arc<dyn Store>,
    pub registry: Arc<DatasetRegistry>,
    pub needs: Arc<NeedRegistry>,
    pub tables: Arc<Tables>,
    pub audit: AuditLog,
    pub operator: OperatorToken,
    /// Where validation and rule tests run: off the async workers.
    pub rules: RuleWork,
}

impl From<WorkError> for Problem {
    fn from(error: WorkError) -> Self {
        match error {
            WorkError::Busy => Problem::service_unavailable(error.to_string()).retry_after(5),
            WorkError::TooLong(_) => Problem::service_unavailable(error.to_string()),
            WorkError::Failed(_) => Problem::internal(&error),
        }
    }
}

pub fn router(api: CatalogApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, replace, remove))
        .routes(routes!(dry_run::validate))
        .routes(routes!(dry_run::mine))
        .merge(review_http::routes())
        .with_state(api)
}

impl From<AgencyError> for Problem {
    fn from(error: AgencyError) -> Self {
        match error {
            AgencyError::MalformedId { .. } => Problem::bad_request(error.to_string()),
            AgencyError::NotItsNamespace { .. } | AgencyError::NotItsKind { .. } => {
                Problem::forbidden(error.to_string())
                    .typed("/problems/catalog-not-yours", "Not the agency's to publish")
            }
        }
    }
}

/// A service with the agency that maintains it, as every answer here
/// shows one (built with `json!`; this documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub(super) struct CatalogEntry {
    agency: Option<String>,
    service: Service,
}

/// The agency a request's bearer token belongs to.
pub struct Agency(pub AgencyProfile);

impl<S> FromRequestParts<S> for Agency
where
    Arc<dyn Store>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let refused = || Problem::unauthorized("an agency token is required");
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(refused)?;
        let store = Arc::<dyn Store>::from_ref(state);
        store
            .agency_by_token(&digest(token.trim()))
            .await
            .map_err(|e| Problem::internal(&e))?
            .map(|found| {
                Agency(AgencyProfile::new(
                    &found.agency,
                    found.provider_type.as_deref(),
                ))
            })
            .ok_or_else(refused)
    }
}

/// Seeds an empty store with the catalogue compiled into the binary.
pub async fn seed_if_empty(store: &dyn Store) -> Result<usize, Problem> {
    if !store
        .catalog_all()
        .await
        .map_err(|e| Problem::internal(&e))?
        .is_empty()
    {
        return Ok(0);
    }
    let catalog = Catalog::embedded().map_err(|e| Problem::internal(&e))?;
    let now = clock::now_ms();
    let mut added = 0;
    for service in &catalog.services {
        let row = CatalogRow {
            id: service.id.clone(),
            agency: catalog
                .agencies
                .get(&service.id)
                .cloned()
                .unwrap_or_default(),
            service: serde_json::to_string(service).map_err(|e| Problem::internal(&e))?,
            updated_ms: now,
        };
        // Another server seeding at the same time inserts the same rows.
        if store
            .catalog_insert(&row)
            .await
            .map_err(|e| Problem::internal(&e))?
        {
            added += 1;
        }
    }
    Ok(added)
}

/// The catalogue as stored now.
pub async fn current(store: &dyn Store, tables: &Tables) -> Result<Catalog, Problem> {
    let rows = store
        .catalog_all()
        .await
        .map_err(|e| Problem::internal(&e))?;
    let services = rows
        .into_iter()
        .map(|row| {
            let service: Service =
                serde_json::from_str(&row.service).map_err(|e| Problem::internal(&e))?;
            Ok((row.agency, service))
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    Ok(Catalog::from_services(services, tables.clone()))
}

/// Every service of the catalogue.
#[utoipa::path(get, path = "/api/catalog/services", tag = "catalog",
    responses((status = 200, description = "The catalogue", body = [CatalogEntry])))]
async fn list(State(api): State<CatalogApi>) -> Result<axum::Json<Vec<Value>>, Problem> {
    let catalog = current(api.store.as_ref(), &api.tables).await?;
    Ok(axum::Json(
        catalog
            .services
            .iter()
            .map(|s| json!({"agency": catalog.agencies.get(&s.id), "service": s}))
            .collect(),
    ))
}

/// One service.
#[utoipa::path(get, path = "/api/catalog/services/{id}", tag = "catalog",
    params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 200, description = "The service", body = CatalogEntry),
        (status = 404, description = "No such service"),
    ))]
async fn show(
    State(api): State<CatalogApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<Value>, Problem> {
    let row = api
        .store
        .catalog_get(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("there is no service {id}")))?;
    let service: Value = serde_json::from_str(&row.service).map_err(|e| Problem::internal(&e))?;
    Ok(axum::Json(
        json!({"agency": row.agency, "service": service}),
    ))
}

/// The problems of the catalogue with `service` in place of any service
/// of its id.
pub(super) async fn problems_of(
    api: &CatalogApi,
    agency: &str,
    service: &Service,
) -> Result<Vec<String>, Problem> {
    let mut catalog = current(api.store.as_ref(), &api.tables).await?;
    catalog.services.retain(|s| s.id != service.id);
    catalog.services.push(service.clone());
    catalog
        .agencies
        .insert(service.id.clone(), agency.to_owned());
    let (id, registry, needs) = (service.id.clone(), api.registry.clone(), api.needs.clone());
    Ok(api
        .rules
        .run(move || validate_service(&catalog, &id, &registry, &needs))
        .await?)
}

/// A 400 naming each problem of the change, also placed at its condition
/// or test (`errors`) for an editor to show there; nothing when valid.
pub(super) async fn check_change(
    api: &CatalogApi,
    agency: &str,
    service: &Service,
) -> Result<(), Problem> {
    let problems = problems_of(api, agency, service).await?;
    if problems.is_empty() {
        return Ok(());
    }
    let errors = serde_json::to_value(dry_run::locate(service, &problems))
        .map_err(|e| Problem::internal(&e))?;
    Err(Problem::bad_request(problems.join("; "))
        .with("problems", problems)
        .with("errors", errors))
}

pub(super) async fn record(
    api: &CatalogApi,
    actor: &str,
    event: &str,
    id: &str,
) -> Result<(), Problem> {
    api.audit
        .append(NewEntry {
            event: event.into(),
            actor: actor.into(),
            subject: None,
            dataset: None,
            purpose: "catalogue maintenance".into(),
            outcome: Outcome::Success.as_str().into(),
            detail: id.into(),
        })
        .await
        .map(|_| ())
        .map_err(|e| Problem::internal(&e))
}

fn row(agency: &str, service: &Service) -> Result<CatalogRow, Problem> {
    Ok(CatalogRow {
        id: service.id.clone(),
        agency: agency.to_owned(),
        service: serde_json::to_string(service).map_err(|e| Problem::internal(&e))?,
        updated_ms: clock::now_ms(),
    })
}

fn proposal(agency: &str, service: &Service, reasons: &[String]) -> Result<ProposalRow, Problem> {
    Ok(ProposalRow {
        id: service.id.clone(),
        agency: agency.to_owned(),
        service: serde_json::to_string(service).map_err(|e| Problem::internal(&e))?,
        reasons: serde_json::to_string(reasons).map_err(|e| Problem::internal(&e))?,
        submitted_ms: clock::now_ms(),
    })
}

fn conflict(id: &str) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        format!("a service {id} exists already"),
    )
}

/// Adds a service, after the checks of `navigator catalog validate`; it
/// is not public until an operator approves it.
#[utoipa::path(post, path = "/api/catalog/services", tag = "catalog",
    security(("agency_token" = [])),
    request_body = Service,
    responses(
        (status = 201, description = "Stored, waiting for review (`review`: `pending`)", body = CatalogEntry),
        (status = 400, description = "The service does not validate: `problems` and `errors` say where"),
        (status = 401, description = "No or an unknown agency token"),
        (status = 403, description = "An id outside the agency's namespaces, or a `provider_type` not the agency's"),
        (status = 409, description = "A service of this id exists or waits for review"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "The body is not a service"),
    ))]
async fn create(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
    Json(service): Json<Service>,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    let taken = api
        .store
        .catalog_get(&service.id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .is_some()
        || api
            .store
            .proposal_get(&service.id)
            .await
            .map_err(|e| Problem::internal(&e))?
            .is_some();
    if taken {
        return Err(conflict(&service.id));
    }
    agency.may_create(&service.id)?;
    agency.may_publish(&service)?;
    check_change(&api, &agency.id, &service).await?;
    let reasons = [review::NEW_SERVICE.to_owned()];
    if !api
        .store
        .proposal_insert_new(&proposal(&agency.id, &service, &reasons)?)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(conflict(&service.id));
    }
    record(&api, &agency.id, "catalog.create", &service.id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "agency": agency.id, "service": service,
            "review": "pending", "reasons": reasons,
        })),
    ))
}

/// Refuses, before anything else, a change to another agency's service;
/// the published version, `None` for a service still waiting for review.
async fn owned(api: &CatalogApi, agency: &str, id: &str) -> Result<Option<Service>, Problem> {
    let published = api
        .store
        .catalog_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let proposal = api
        .store
        .proposal_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let owner = published
        .as_ref()
        .map(|row| row.agency.as_str())
        .or(proposal.as_ref().map(|row| row.agency.as_str()))
        .ok_or_else(|| Problem::not_found(format!("there is no service {id}")))?;
    if owner != agency {
        return Err(Problem::forbidden(format!(
            "{id} is maintained by {owner}, not by {agency}"
        )));
    }
    published
        .map(|row| serde_json::from_str(&row.service))
        .transpose()
        .map_err(|e| Problem::internal(&e))
}

/// Replaces one of the agency's own services: at once, or, when the change
/// is risky or the service is still new, after review.
#[utoipa::path(put, path = "/api/catalog/services/{id}", tag = "catalog",
    security(("agency_token" = [])),
    params(("id" = String, Path, description = "The service's id")),
    request_body = Service,
    responses(
        (status = 200, description = "Published (`review`: `published`)", body = CatalogEntry),
        (status = 202, description = "Waiting for review, `reasons` say why; the published version, if any, serves meanwhile", body = CatalogEntry),
        (status = 400, description = "The ids differ, or the service does not validate"),
        (status = 401, description = "No or an unknown agency token"),
        (status = 403, description = "Another agency's service, or a `provider_type` not the agency's"),
        (status = 404, description = "No such service"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "The body is not a service"),
    ))]
async fn replace(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
    Path(id): Path<String>,
    Json(service): Json<Service>,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    if service.id != id {
        return Err(Problem::bad_request(format!(
            "the body's id {} differs from the path's {id}",
            service.id
        )));
    }
    let published = owned(&api, &agency.id, &id).await?;
    agency.may_publish(&service)?;
    check_change(&api, &agency.id, &service).await?;
    let reasons = match &published {
        Some(published) => review::risks(published, &service),
        None => vec![review::NEW_SERVICE.to_owned()],
    };
    if reasons.is_empty() {
        if !api
            .store
            .catalog_replace(&row(&agency.id, &service)?)
            .await
            .map_err(|e| Problem::internal(&e))?
        {
            return Err(Problem::not_found(format!("there is no service {id}")));
        }
        // A change waiting from before is superseded by this one.
        api.store
            .proposal_delete(&id, Some(&agency.id))
            .await
            .map_err(|e| Problem::internal(&e))?;
        record(&api, &agency.id, "catalog.update", &id).await?;
        return Ok((
            StatusCode::OK,
            axum::Json(json!({"agency": agency.id, "service": service, "review": "published"})),
        ));
    }
    if !api
        .store
        .proposal_put(&proposal(&agency.id, &service, &reasons)?)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(Problem::forbidden(format!(
            "{id} waits for review as another agency's"
        )));
    }
    record(&api, &agency.id, "catalog.propose", &id).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({
            "agency": agency.id, "service": service,
            "review": "pending", "reasons": reasons,
        })),
    ))
}

/// Removes one of the agency's own services, and any change of it waiting.
#[utoipa::path(delete, path = "/api/catalog/services/{id}", tag = "catalog",
    security(("agency_token" = [])),
    params(("id" = String, Path, description = "The service's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No or an unknown agency token"),
        (status = 403, description = "Another agency's service"),
        (status = 404, description = "No such service"),
    ))]
async fn remove(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    owned(&api, &agency.id, &id).await?;
    api.store
        .catalog_delete(&id, &agency.id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    api.store
        .proposal_delete(&id, Some(&agency.id))
        .await
        .map_err(|e| Problem::internal(&e))?;
    record(&api, &agency.id, "catalog.delete", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
