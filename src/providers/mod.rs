//! Reference data providers: one per agency of `datasets.yaml`, each an Open
//! API serving its datasets' records of the synthetic citizens. A provider
//! trusts only the broker's key, accepts a token once, for one subject and
//! one dataset, and keeps its own download log. `navigator serve` mounts all
//! of them, but the broker still reaches them over HTTP like remote ones.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::routing::get;
use serde::Serialize;
use serde_json::Value;

use crate::broker::token::{ProviderClaims, TokenVerifier};
use crate::citizens::CitizenDirectory;
use crate::clock;
use crate::http::{Path, Problem};
use crate::ids::{AgencyId, DatasetId, NationalId};
use crate::spec::DatasetRegistry;
use crate::store::{Download, Store};

/// Everything one provider needs; cheap to clone.
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    agency: AgencyId,
    datasets: Vec<DatasetId>,
    citizens: Arc<CitizenDirectory>,
    store: Arc<dyn Store>,
    verifier: TokenVerifier,
}

impl Provider {
    pub fn new(
        agency: AgencyId,
        registry: &DatasetRegistry,
        citizens: Arc<CitizenDirectory>,
        store: Arc<dyn Store>,
        verifier: TokenVerifier,
    ) -> Self {
        let datasets = registry
            .datasets_of(&agency)
            .map(|d| d.id.clone())
            .collect();
        Self {
            inner: Arc::new(Inner {
                agency,
                datasets,
                citizens,
                store,
                verifier,
            }),
        }
    }

    pub fn agency(&self) -> &AgencyId {
        &self.inner.agency
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/datasets", get(list_datasets))
            .route("/v1/datasets/{dataset}/records/{subject}", get(record))
            .with_state(self)
    }

    async fn log(
        &self,
        claims: Option<&ProviderClaims>,
        subject: Option<&str>,
        dataset: Option<&str>,
        outcome: &str,
    ) {
        let download = Download {
            agency: self.inner.agency.to_string(),
            at_ms: clock::now_ms(),
            requester: claims.map_or_else(|| "unauthenticated".into(), |c| c.requester.clone()),
            subject: subject.map(str::to_owned),
            dataset: dataset.map(str::to_owned),
            purpose: claims.map_or_else(String::new, |c| c.purpose.clone()),
            outcome: outcome.into(),
        };
        if let Err(error) = self.inner.store.provider_log_download(&download).await {
            tracing::error!(%error, agency = %self.inner.agency, "download log write failed");
        }
    }

    /// The whole request check, in the order that leaks least: shape of the
    /// path, then the token, then whether the record exists.
    async fn serve(
        &self,
        headers: &HeaderMap,
        dataset: &str,
        subject: &str,
    ) -> Result<Value, Problem> {
        let dataset = DatasetId::parse(dataset).map_err(|e| Problem::bad_request(e.to_string()))?;
        if !self.inner.datasets.contains(&dataset) {
            return Err(Problem::not_found(format!(
                "{} does not serve dataset {dataset}",
                self.inner.agency
            )));
        }
        let subject =
            NationalId::parse(subject).map_err(|e| Problem::bad_request(e.to_string()))?;
        let verified = bearer(headers).and_then(|token| {
            self.inner
                .verifier
                .verify(token, self.inner.agency.as_str())
                .map_err(|e| Problem::unauthorized(e.to_string()))
        });
        let claims = match verified {
            Ok(claims) => claims,
            Err(problem) => {
                // Nothing the request claims is trusted: no requester.
                self.log(
                    None,
                    Some(subject.as_str()),
                    Some(dataset.as_str()),
                    "unauthorized",
                )
                .await;
                return Err(problem);
            }
        };
        let outcome = self.check_and_read(&claims, &dataset, &subject).await;
        let label = match &outcome {
            Ok(_) => "served",
            Err(problem) if problem.status.as_u16() == 404 => "not_found",
            Err(_) => "refused",
        };
        self.log(
            Some(&claims),
            Some(subject.as_str()),
            Some(dataset.as_str()),
            label,
        )
        .await;
        outcome
    }

    async fn check_and_read(
        &self,
        claims: &ProviderClaims,
        dataset: &DatasetId,
        subject: &NationalId,
    ) -> Result<Value, Problem> {
        if claims.dataset != dataset.as_str() || claims.sub != subject.as_str() {
            return Err(Problem::unauthorized(
                "the token was issued for another dataset or citizen",
            ));
        }
        let first_use = self
            .inner
            .store
            .provider_claim_token(
                self.inner.agency.as_str(),
                &claims.jti,
                claims.exp.saturating_mul(1000),
                clock::now_ms(),
            )
            .await
            .map_err(|e| Problem::internal(&e))?;
        if !first_use {
            return Err(Problem::unauthorized("the token has already been used"));
        }
        self.inner
            .citizens
            .get(subject)
            .and_then(|citizen| citizen.record(dataset))
            .cloned()
            .ok_or_else(|| Problem::not_found("no record for this citizen"))
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, Problem> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| Problem::unauthorized("a bearer token signed by the broker is required"))
}

#[derive(Serialize)]
struct DatasetList {
    agency: String,
    datasets: Vec<String>,
}

async fn list_datasets(State(provider): State<Provider>) -> axum::Json<DatasetList> {
    axum::Json(DatasetList {
        agency: provider.inner.agency.to_string(),
        datasets: provider
            .inner
            .datasets
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

async fn record(
    State(provider): State<Provider>,
    headers: HeaderMap,
    Path((dataset, subject)): Path<(String, String)>,
) -> Result<axum::Json<Value>, Problem> {
    provider
        .serve(&headers, &dataset, &subject)
        .await
        .map(axum::Json)
}
