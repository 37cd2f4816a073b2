//! The citizen's personal cloud: records fetched at the first consent wait
//! here, sealed under a key of their own, until the second consent sends
//! them, until the citizen withdraws, or until their time to live passes.

use serde::{Deserialize, Serialize};

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
