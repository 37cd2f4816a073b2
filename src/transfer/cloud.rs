//! The citizen's personal cloud: records fetched at the first consent wait
//! here, sealed under a key of their own, until the second consent sends
//! them, until the citizen withdraws, or until their time to live passes.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::scope::{Scope, minimise};
use crate::broker::{FetchResult, GatherRequest};
use crate::identity::{Session, step_up};
use crate::ids::{DatasetId, Level, NationalId};
use crate::services::ServiceProvider;

use super::{CLOUD_TTL_MS, TransferApi};
use crate::clock;
use crate::http::Problem;
use crate::store::CloudPackageRow;

/// One dataset as fetched and minimised to the consented fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CloudItem {
    pub dataset: String,
    pub agency: String,
    pub fetched_at: String,
    pub fields: Vec<String>,
    pub record: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CloudPackage {
    pub request_id: String,
    pub client_id: String,
    pub items: Vec<CloudItem>,
    /// Datasets consented to whose agency did not deliver: the provider
    /// is told, so it can say so and ask again later.
    #[serde(default)]
    pub unavailable: Vec<String>,
}

/// Seals and stores a package; returns its id.
pub(super) async fn put(
    api: &TransferApi,
    subject: &str,
    package: &CloudPackage,
    sensitive: bool,
) -> Result<String, Problem> {
    let id = uuid::Uuid::new_v4().to_string();
    let plain = serde_json::to_vec(package).map_err(|e| Problem::internal(&e))?;
    let sealed = api
        .cloud_key
        .seal_envelope(&id, &plain)
        .map_err(|e| Problem::internal(&e))?;
    let now = clock::now_ms();
    api.store
        .cloud_put(&CloudPackageRow {
            id: id.clone(),
            subject: subject.to_owned(),
            sealed,
            sensitive,
            created_ms: now,
            expires_ms: now + CLOUD_TTL_MS,
        })
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(id)
}

/// The package if it is still in the cloud (expired ones are purged).
pub(super) async fn get(
    api: &TransferApi,
    id: &str,
) -> Result<Option<(CloudPackageRow, CloudPackage)>, Problem> {
    api.store
        .cloud_purge_expired(clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    let Some(row) = api
        .store
        .cloud_get(id)
        .await
        .map_err(|e| Problem::internal(&e))?
    else {
        return Ok(None);
    };
    let plain = api
        .cloud_key
        .open_envelope(&row.id, &row.sealed)
        .map_err(|e| Problem::internal(&e))?;
    let package = serde_json::from_slice(&plain).map_err(|e| Problem::internal(&e))?;
    Ok(Some((row, package)))
}

/// What the first consent fetched: the package in the cloud and, per
/// dataset, whether it arrived.
pub(super) struct Gathered {
    pub package_id: String,
    pub package: CloudPackage,
    pub report: Vec<Value>,
}

/// The first consent's work: at the level the chosen datasets need (else a
/// step-up problem naming `retry`), fetch them through the broker for
/// `provider`, keep only the consented fields, and seal them in the cloud.
pub(super) async fn gather(
    api: &TransferApi,
    session: &Session,
    provider: &ServiceProvider,
    request_id: &str,
    chosen: &[DatasetId],
    scope: &Scope,
    retry: &str,
) -> Result<Gathered, Problem> {
    let registry = api.broker.registry();
    let required = chosen
        .iter()
        .filter_map(|d| registry.dataset(d).map(|spec| spec.loa))
        .max()
        .unwrap_or(Level::Low);
    if session.level < required {
        return Err(step_up(session.level, required, retry));
    }
    fetch(api, &session.subject, provider, request_id, chosen, scope).await
}

/// Fetches `chosen` for `subject` through the broker on `provider`'s
/// behalf, keeps the consented fields and seals them in the cloud. The
/// caller has established the consent and the level.
pub(super) async fn fetch(
    api: &TransferApi,
    subject: &NationalId,
    provider: &ServiceProvider,
    request_id: &str,
    chosen: &[DatasetId],
    scope: &Scope,
) -> Result<Gathered, Problem> {
    let registry = api.broker.registry();
    let purpose = &provider.registration.purpose.en;
    let client_id = &provider.registration.id;
    let request = GatherRequest {
        subject: subject.clone(),
        datasets: chosen.to_vec(),
        purpose: purpose.clone(),
        requester: client_id.clone(),
    };
    let outcomes = api.broker.gather(&request).await;
    let fetched_at = clock::format_ms(clock::now_ms());
    let mut package = CloudPackage {
        request_id: request_id.to_owned(),
        client_id: client_id.clone(),
        items: Vec::new(),
        unavailable: Vec::new(),
    };
    let mut report = Vec::new();
    for outcome in &outcomes {
        let fields = scope.get(&outcome.dataset).cloned().unwrap_or_default();
        match &outcome.result {
            FetchResult::Fetched { record } => {
                package.items.push(CloudItem {
                    dataset: outcome.dataset.to_string(),
                    agency: outcome
                        .agency
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    fetched_at: fetched_at.clone(),
                    fields: fields.clone(),
                    record: minimise(record, &fields),
                });
                report.push(
                    json!({"dataset": outcome.dataset, "status": "fetched", "fields": fields}),
                );
            }
            FetchResult::Failed { message, .. } => {
                package.unavailable.push(outcome.dataset.to_string());
                report.push(
                    json!({"dataset": outcome.dataset, "status": "failed", "message": message}),
                );
            }
        }
    }
    if package.items.is_empty() {
        return Err(Problem::service_unavailable(
            "none of the records could be fetched; please try again shortly",
        )
        .with("items", report));
    }
    let sensitive = package
        .items
        .iter()
        .filter_map(|item| DatasetId::parse(&item.dataset).ok())
        .any(|d| registry.dataset(&d).is_some_and(|spec| spec.sensitive));
    let package_id = put(api, subject.as_str(), &package, sensitive).await?;
    Ok(Gathered {
        package_id,
        package,
        report,
    })
}
