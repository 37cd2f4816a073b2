//! The catalogue API. Anyone may read it; an agency, with the token an
//! operator issued it, may add, replace and remove its own services, and
//! every change passes the same validation as `navigator catalog
//! validate` (parse, fields, types, the service's own tests) before
//! anything is stored.
//!
//! - `GET /api/catalog/services`, `GET /api/catalog/services/{id}`
//! - `POST /api/catalog/services` (agency) → 201; 409 if the id is taken
//! - `PUT /api/catalog/services/{id}`, `DELETE /api/catalog/services/{id}`
//!   (agency) → 403 for another agency's service
//! - `POST /api/catalog/validate` (agency): a dry run of a change, the
//!   service as YAML or JSON → each problem at its condition or test and
//!   every rule test's result; nothing stored ([`super::dry_run`])
//! - `GET /api/catalog/mine` (agency): the calling agency and its services
//! - `POST /api/admin/agencies/{agency}/token` (operator) → a new token

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dry_run;
use super::validate::validate_service;
use super::{Catalog, Service, Tables};
use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::clock;
use crate::http::{Json, Operator, OperatorToken, Path, Problem};
use crate::needs::NeedRegistry;
use crate::secrets::digest;
use crate::spec::DatasetRegistry;
use crate::store::{CatalogRow, Store};

#[derive(Clone, FromRef)]
pub struct CatalogApi {
    pub store: Arc<dyn Store>,
    pub registry: Arc<DatasetRegistry>,
    pub needs: Arc<NeedRegistry>,
    pub tables: Arc<Tables>,
    pub audit: AuditLog,
    pub operator: OperatorToken,
}

pub fn router(api: CatalogApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, replace, remove))
        .routes(routes!(dry_run::validate))
        .routes(routes!(dry_run::mine))
        .routes(routes!(issue_token))
        .with_state(api)
}

/// A service with the agency that maintains it, as every answer here
/// shows one (built with `json!`; this documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub(super) struct CatalogEntry {
    agency: Option<String>,
    service: Service,
}

/// A new agency token, shown once.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct IssuedToken {
    agency: String,
    token: String,
}

/// The agency a request's bearer token belongs to.
pub struct Agency(pub String);

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
            .map(Agency)
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
    Ok(validate_service(
        &catalog,
        &service.id,
        &api.registry,
        &api.needs,
    ))
}

/// A 400 naming each problem of the change, also placed at its condition
/// or test (`errors`) for an editor to show there; nothing when valid.
async fn check_change(api: &CatalogApi, agency: &str, service: &Service) -> Result<(), Problem> {
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

async fn record(api: &CatalogApi, agency: &str, event: &str, id: &str) -> Result<(), Problem> {
    api.audit
        .append(NewEntry {
            event: event.into(),
            actor: agency.into(),
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

/// Adds a service, after the checks of `navigator catalog validate`.
#[utoipa::path(post, path = "/api/catalog/services", tag = "catalog",
    security(("agency_token" = [])),
    request_body = Service,
    responses(
        (status = 201, description = "Added", body = CatalogEntry),
        (status = 400, description = "The service does not validate: `problems` and `errors` say where"),
        (status = 401, description = "No or an unknown agency token"),
        (status = 409, description = "A service of this id exists"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "The body is not a service"),
    ))]
async fn create(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
    Json(service): Json<Service>,
) -> Result<(StatusCode, axum::Json<Value>), Problem> {
    if api
        .store
        .catalog_get(&service.id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .is_some()
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("a service {} exists already", service.id),
        ));
    }
    check_change(&api, &agency, &service).await?;
    if !api
        .store
        .catalog_insert(&row(&agency, &service)?)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("a service {} exists already", service.id),
        ));
    }
    record(&api, &agency, "catalog.create", &service.id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"agency": agency, "service": service})),
    ))
}

/// Refuses, before anything else, a change to another agency's service.
async fn owned(api: &CatalogApi, agency: &str, id: &str) -> Result<(), Problem> {
    let existing = api
        .store
        .catalog_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("there is no service {id}")))?;
    if existing.agency != agency {
        return Err(Problem::forbidden(format!(
            "{id} is maintained by {}, not by {agency}",
            existing.agency
        )));
    }
    Ok(())
}

/// Replaces one of the agency's own services.
#[utoipa::path(put, path = "/api/catalog/services/{id}", tag = "catalog",
    security(("agency_token" = [])),
    params(("id" = String, Path, description = "The service's id")),
    request_body = Service,
    responses(
        (status = 200, description = "Replaced", body = CatalogEntry),
        (status = 400, description = "The ids differ, or the service does not validate"),
        (status = 401, description = "No or an unknown agency token"),
        (status = 403, description = "Another agency's service"),
        (status = 404, description = "No such service"),
        (status = 415, description = "The body is not `application/json`"),
        (status = 422, description = "The body is not a service"),
    ))]
async fn replace(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
    Path(id): Path<String>,
    Json(service): Json<Service>,
) -> Result<axum::Json<Value>, Problem> {
    if service.id != id {
        return Err(Problem::bad_request(format!(
            "the body's id {} differs from the path's {id}",
            service.id
        )));
    }
    owned(&api, &agency, &id).await?;
    check_change(&api, &agency, &service).await?;
    if !api
        .store
        .catalog_replace(&row(&agency, &service)?)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(Problem::not_found(format!("there is no service {id}")));
    }
    record(&api, &agency, "catalog.update", &id).await?;
    Ok(axum::Json(json!({"agency": agency, "service": service})))
}

/// Removes one of the agency's own services.
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
    owned(&api, &agency, &id).await?;
    api.store
        .catalog_delete(&id, &agency)
        .await
        .map_err(|e| Problem::internal(&e))?;
    record(&api, &agency, "catalog.delete", &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues (or replaces) an agency's catalogue token.
#[utoipa::path(post, path = "/api/admin/agencies/{agency}/token", tag = "catalog",
    security(("operator_token" = [])),
    params(("agency" = String, Path, description = "2 to 64 of a-z, 0-9, '.', '-'", pattern = "^[a-z0-9.-]{2,64}$")),
    responses(
        (status = 201, description = "The token, shown this once", body = IssuedToken),
        (status = 400, description = "A malformed agency id"),
        (status = 401, description = "No or a wrong operator token"),
    ))]
async fn issue_token(
    _: Operator,
    State(api): State<CatalogApi>,
    Path(agency): Path<String>,
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
    let token = crate::secrets::random_token();
    api.store
        .agency_token_put(&agency, &digest(&token), clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    record(&api, "operator", "catalog.agency_token", &agency).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"agency": agency, "token": token})),
    ))
}
