//! Reference data providers: one per agency of `datasets.yaml`, each an Open
//! API serving its datasets' records of the synthetic citizens. A provider
//! trusts only the broker's key, accepts a token once, for one subject and
//! one dataset, and keeps its own download log. `navigator serve` mounts all
//! of them, but the broker still reaches them over HTTP like remote ones.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::broker::token::{ProviderClaims, TokenVerifier};
use crate::citizens::CitizenDirectory;
use crate::clock;
use crate::http::{Path, Problem};
use crate::ids::{AgencyId, DatasetId, NationalId};
use crate::spec::DatasetRegistry;
use crate::store::{Download, Store};

mod identity;

pub use identity::IDENTITY_SCOPE;

/// The dataset whose provider also answers knowledge-factor checks.
const IDENTITY_HOLDER: &str = "household.registration";

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

    pub fn router(self) -> OpenApiRouter {
        let router = OpenApiRouter::new()
            .routes(routes!(list_datasets))
            .routes(routes!(record));
        // The registry that holds household registration checks identities.
        let household = DatasetId::parse(IDENTITY_HOLDER).ok();
        let router = if household.is_some_and(|d| self.inner.datasets.contains(&d)) {
            router.routes(routes!(identity::verify))
        } else {
            router
        };
        router.with_state(self)
    }

    fn citizens(&self) -> &CitizenDirectory {
        &self.inner.citizens
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
        let claims = self.authorise(headers, dataset.as_str(), &subject).await?;
        let record = self
            .inner
            .citizens
            .get(&subject)
            .and_then(|citizen| citizen.record(&dataset))
            .cloned();
        let label = if record.is_some() {
            "served"
        } else {
            "not_found"
        };
        self.log(
            Some(&claims),
            Some(subject.as_str()),
            Some(dataset.as_str()),
            label,
        )
        .await;
        record.ok_or_else(|| Problem::not_found("no record for this citizen"))
    }

    /// Checks the broker's token for `scope` (a dataset, or the identity
    /// check) about `subject`; every refusal is logged.
    async fn authorise(
        &self,
        headers: &HeaderMap,
        scope: &str,
        subject: &NationalId,
    ) -> Result<ProviderClaims, Problem> {
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
                self.log(None, Some(subject.as_str()), Some(scope), "unauthorized")
                    .await;
                return Err(problem);
            }
        };
        if let Err(problem) = self.check_claims(&claims, scope, subject).await {
            self.log(
                Some(&claims),
                Some(subject.as_str()),
                Some(scope),
                "refused",
            )
            .await;
            return Err(problem);
        }
        Ok(claims)
    }

    /// The token must name this scope and citizen, and be used only once.
    async fn check_claims(
        &self,
        claims: &ProviderClaims,
        scope: &str,
        subject: &NationalId,
    ) -> Result<(), Problem> {
        if claims.dataset != scope || claims.sub != subject.as_str() {
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
        if first_use {
            Ok(())
        } else {
            Err(Problem::unauthorized("the token has already been used"))
        }
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, Problem> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| Problem::unauthorized("a bearer token signed by the broker is required"))
}

#[derive(Serialize, utoipa::ToSchema)]
struct DatasetList {
    agency: String,
    datasets: Vec<String>,
}

/// The datasets this agency serves.
#[utoipa::path(get, path = "/v1/datasets", tag = "providers",
    responses((status = 200, description = "The agency and its datasets", body = DatasetList)))]
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

/// One citizen's record of one dataset, for a single-use token the broker
/// signed for exactly that dataset and citizen.
#[utoipa::path(get, path = "/v1/datasets/{dataset}/records/{subject}", tag = "providers",
    security(("broker_token" = [])),
    params(
        ("dataset" = DatasetId, Path, description = "A dataset this agency serves"),
        ("subject" = NationalId, Path, description = "The citizen's national ID"),
    ),
    responses(
        (status = 200, description = "The record, in the dataset's own shape", body = Object),
        (status = 400, description = "A malformed dataset id or national ID"),
        (status = 401, description = "No broker token, or it is expired, used, or for another agency, dataset or citizen"),
        (status = 404, description = "The agency does not serve the dataset, or has no record of the citizen"),
    ))]
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
