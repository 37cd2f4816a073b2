//! `GET /api/transfer/package` (Bearer access token): the one package of
//! a transfer. The platform signs it (JWS, ES256) and encrypts the result
//! to the service provider's registered key (JWE, ECDH-ES+A256KW with
//! A256GCM), so only that provider can read it and anyone can tell it came
//! from here unaltered. A manifest lists each dataset with its agency, when
//! it was fetched and the SHA-256 of its record. The token works once;
//! sensitive records leave the personal cloud as soon as they are sent.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::TransferApi;
use super::cloud;
use crate::audit::{NewEntry, Outcome};
use crate::clock;
use crate::http::Problem;
use crate::secrets::digest;
use crate::services::{ServiceProvider, encryption_key};
use crate::store::{CloudPackageRow, ConsentRow};

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The transfer's package: JWS by the platform inside a JWE to the
/// provider's key. The access token works once.
#[utoipa::path(get, path = "/api/transfer/package", tag = "oauth",
    security(("access_token" = [])),
    responses(
        (status = 200, description = "The package (JWE compact)", content_type = "application/jose", body = String),
        (status = 401, description = "The access token is missing, unknown, expired or used, or the consent withdrawn"),
        (status = 403, description = "The service provider is not active"),
    ))]
pub(super) async fn package(
    State(api): State<TransferApi>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let refused = || Problem::unauthorized("the access token is missing, unknown, expired or used");
    let token = bearer(&headers).ok_or_else(refused)?;
    let token_hash = digest(token);
    let now = clock::now_ms();
    let row = api
        .store
        .token_get(&token_hash)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|row| row.expires_ms > now && row.used_ms.is_none())
        .ok_or_else(refused)?;
    let consent = api
        .store
        .consent_get(&row.consent_id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|c| c.revoked_ms.is_none() && c.expires_ms > now)
        .ok_or_else(|| Problem::unauthorized("the citizen has withdrawn this consent"))?;
    let provider = api.active_provider(&row.client_id).await?;
    let sealed = seal(&api, &provider, &consent, &row.package_id).await?;
    if !api
        .store
        .token_use(&token_hash, now)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        return Err(refused());
    }
    delivered(&api, &provider, &consent, &sealed, "transfer.package").await?;
    Ok((
        [
            (CONTENT_TYPE, "application/jose"),
            (CACHE_CONTROL, "no-store"),
        ],
        sealed.jwe,
    )
        .into_response())
}

/// A package ready to hand over.
pub(super) struct Sealed {
    pub jwe: String,
    cloud_row: CloudPackageRow,
    datasets: Vec<String>,
}

/// Signs and encrypts the package `package_id` for `provider`.
pub(super) async fn seal(
    api: &TransferApi,
    provider: &ServiceProvider,
    consent: &ConsentRow,
    package_id: &str,
) -> Result<Sealed, Problem> {
    let now = clock::now_ms();
    let Some((cloud_row, stored)) = cloud::get(api, package_id).await? else {
        return Err(Problem::new(
            axum::http::StatusCode::GONE,
            "the records are no longer in the personal cloud",
        ));
    };
    let manifest: Vec<_> = stored
        .items
        .iter()
        .map(|item| {
            let bytes = serde_json::to_vec(&item.record).unwrap_or_default();
            json!({
                "dataset": item.dataset,
                "agency": item.agency,
                "fetched_at": item.fetched_at,
                "fields": item.fields,
                "sha256": hex::encode(Sha256::digest(&bytes)),
            })
        })
        .collect();
    let records: serde_json::Map<String, serde_json::Value> = stored
        .items
        .iter()
        .map(|item| (item.dataset.clone(), item.record.clone()))
        .collect();
    let body = json!({
        "iss": &*api.issuer,
        "aud": provider.registration.id,
        "iat": now / 1000,
        "package_id": cloud_row.id,
        "consent_id": consent.id,
        "subject": consent.subject,
        "manifest": manifest,
        "records": records,
        "unavailable": stored.unavailable,
    });
    let signed = api
        .platform_key
        .sign("mydata-package+jwt", &body)
        .map_err(|e| Problem::internal(&e))?;
    let key =
        encryption_key(&provider.registration.encryption_jwk).map_err(|e| Problem::internal(&e))?;
    let encrypted = key
        .encrypt(signed.as_bytes(), "JWT")
        .map_err(|e| Problem::internal(&e))?;
    Ok(Sealed {
        jwe: encrypted,
        cloud_row,
        datasets: stored.items.into_iter().map(|item| item.dataset).collect(),
    })
}

/// After a package has been claimed: one audit entry per dataset, and
/// sensitive records leave the personal cloud.
pub(super) async fn delivered(
    api: &TransferApi,
    provider: &ServiceProvider,
    consent: &ConsentRow,
    sealed: &Sealed,
    event: &str,
) -> Result<(), Problem> {
    for dataset in &sealed.datasets {
        api.audit
            .append(NewEntry {
                event: event.into(),
                actor: provider.registration.id.clone(),
                subject: Some(consent.subject.clone()),
                dataset: Some(dataset.clone()),
                purpose: provider.registration.purpose.en.clone(),
                outcome: Outcome::Success.as_str().into(),
                detail: format!(
                    "sent to {} under consent {}",
                    provider.registration.id, consent.id
                ),
            })
            .await
            .map_err(|e| Problem::internal(&e))?;
    }
    if sealed.cloud_row.sensitive {
        api.store
            .cloud_delete(&sealed.cloud_row.id)
            .await
            .map_err(|e| Problem::internal(&e))?;
    }
    Ok(())
}
