//! The gather step: fetch a citizen's datasets from their providers
//! concurrently, each with its own timeout and a bounded retry for
//! connection errors, and audit every attempt. One provider failing never
//! fails the others: the caller gets an outcome per dataset.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;
use serde_json::Value;

use super::token::{ProviderClaims, SigningKey};
use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::ids::{AgencyId, DatasetId, NationalId};
use crate::spec::{DatasetRegistry, DatasetSpec};

/// The largest record body the broker reads from a provider.
const MAX_RECORD_BYTES: usize = 1 << 20;

/// Token lifetime: long enough for one request, far below the providers' cap.
const TOKEN_LIFETIME_SECS: i64 = 30;

/// Where each provider agency's Open API lives.
#[derive(Debug, Clone, Default)]
pub struct ProviderEndpoints(BTreeMap<AgencyId, reqwest::Url>);

impl ProviderEndpoints {
    pub fn insert(&mut self, agency: AgencyId, base: reqwest::Url) {
        self.0.insert(agency, base);
    }

    pub fn get(&self, agency: &AgencyId) -> Option<&reqwest::Url> {
        self.0.get(agency)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct GatherPolicy {
    /// Per request to a provider, body included.
    pub timeout: Duration,
    /// Further attempts after a connection error; nothing else is retried.
    pub connect_retries: u32,
}

impl Default for GatherPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            connect_retries: 2,
        }
    }
}

/// A request to gather some of one citizen's records.
#[derive(Debug, Clone)]
pub struct GatherRequest {
    pub subject: NationalId,
    pub datasets: Vec<DatasetId>,
    pub purpose: String,
    /// Who the broker fetches for; recorded in the audit log and the token.
    pub requester: String,
}

/// Why a dataset could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FetchFailure {
    #[error("no such dataset")]
    UnknownDataset,
    #[error("no endpoint is configured for provider {agency}")]
    NoEndpoint { agency: String },
    #[error("the provider holds no record for this citizen")]
    NotFound,
    #[error("the provider refused the request (HTTP {status})")]
    Refused { status: u16 },
    #[error("the provider did not answer within {timeout_ms} ms")]
    Timeout { timeout_ms: u128 },
    #[error("the provider could not be reached")]
    Unreachable,
    #[error("the connection to the provider failed during the request")]
    Transport,
    #[error("the provider answered HTTP {status}")]
    ProviderError { status: u16 },
    #[error("the provider's answer is not a valid record: {reason}")]
    InvalidRecord { reason: String },
    #[error("the transfer could not be recorded in the audit log, so the record was withheld")]
    NotAudited,
    #[error("the broker could not sign the request")]
    Signing,
}

/// The result for one dataset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatasetOutcome {
    pub dataset: DatasetId,
    pub agency: Option<AgencyId>,
    pub attempts: u32,
    #[serde(flatten)]
    pub result: FetchResult,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FetchResult {
    Fetched {
        record: Value,
    },
    Failed {
        reason: FetchFailure,
        message: String,
    },
}

impl DatasetOutcome {
    pub fn record(&self) -> Option<&Value> {
        match &self.result {
            FetchResult::Fetched { record } => Some(record),
            FetchResult::Failed { .. } => None,
        }
    }
}

/// The MyData broker's transfer engine.
#[derive(Clone)]
pub struct Broker {
    pub(super) client: reqwest::Client,
    pub(super) key: Arc<SigningKey>,
    pub(super) registry: Arc<DatasetRegistry>,
    pub(super) endpoints: Arc<ProviderEndpoints>,
    pub(super) audit: AuditLog,
    pub(super) policy: GatherPolicy,
}

impl Broker {
    pub fn new(
        key: Arc<SigningKey>,
        registry: Arc<DatasetRegistry>,
        endpoints: ProviderEndpoints,
        audit: AuditLog,
        policy: GatherPolicy,
    ) -> Self {
        Self {
            client: reqwest::Client::new(),
            key,
            registry,
            endpoints: Arc::new(endpoints),
            audit,
            policy,
        }
    }

    pub fn registry(&self) -> &DatasetRegistry {
        &self.registry
    }

    /// Fetches every requested dataset at once; the result keeps the
    /// request's order.
    pub async fn gather(&self, request: &GatherRequest) -> Vec<DatasetOutcome> {
        join_all(request.datasets.iter().map(|d| self.fetch_one(request, d))).await
    }

    async fn fetch_one(&self, request: &GatherRequest, dataset: &DatasetId) -> DatasetOutcome {
        let spec = self.registry.dataset(dataset);
        let (attempts, result) = match spec {
            None => (0, Err(FetchFailure::UnknownDataset)),
            Some(spec) => self.fetch_with_retry(request, spec).await,
        };
        let agency = spec.map(|s| s.provider.clone());
        let entry = NewEntry {
            event: "broker.fetch".into(),
            actor: request.requester.clone(),
            subject: Some(request.subject.to_string()),
            dataset: Some(dataset.to_string()),
            purpose: request.purpose.clone(),
            outcome: match &result {
                Ok(_) => Outcome::Success.as_str().into(),
                Err(_) => Outcome::Failure.as_str().into(),
            },
            detail: audit_detail(agency.as_ref(), attempts, result.as_ref().err()),
        };
        // A record whose transfer is not on the log does not leave the broker.
        let result = match self.audit.append(entry).await {
            Ok(_) => result,
            Err(error) => {
                tracing::error!(%error, dataset = %dataset, "audit append failed");
                Err(FetchFailure::NotAudited)
            }
        };
        DatasetOutcome {
            dataset: dataset.clone(),
            agency,
            attempts,
            result: match result {
                Ok(record) => FetchResult::Fetched { record },
                Err(reason) => FetchResult::Failed {
                    message: reason.to_string(),
                    reason,
                },
            },
        }
    }

    async fn fetch_with_retry(
        &self,
        request: &GatherRequest,
        spec: &DatasetSpec,
    ) -> (u32, Result<Value, FetchFailure>) {
        let Some(base) = self.endpoints.get(&spec.provider) else {
            let agency = spec.provider.to_string();
            return (0, Err(FetchFailure::NoEndpoint { agency }));
        };
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = self.attempt(base, request, spec).await;
            let retry = matches!(result, Err(FetchFailure::Unreachable))
                && attempts <= self.policy.connect_retries;
            if !retry {
                return (attempts, result);
            }
            tokio::time::sleep(Duration::from_millis(50 * u64::from(attempts))).await;
        }
    }

    async fn attempt(
        &self,
        base: &reqwest::Url,
        request: &GatherRequest,
        spec: &DatasetSpec,
    ) -> Result<Value, FetchFailure> {
        let claims = ProviderClaims::new(
            spec.provider.as_str(),
            request.subject.as_str(),
            spec.id.as_str(),
            &request.purpose,
            &request.requester,
            TOKEN_LIFETIME_SECS,
        );
        let token = self.key.sign(&claims).map_err(|error| {
            tracing::error!(%error, "signing a provider token failed");
            FetchFailure::Signing
        })?;
        let url = record_url(base, &spec.id, &request.subject);
        let exchange = async {
            let response = self
                .client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .map_err(|error| {
                    if error.is_connect() {
                        FetchFailure::Unreachable
                    } else {
                        FetchFailure::Transport
                    }
                })?;
            read_record(response, spec).await
        };
        let timeout = self.policy.timeout;
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(FetchFailure::Timeout {
                timeout_ms: timeout.as_millis(),
            }))
    }
}

fn record_url(base: &reqwest::Url, dataset: &DatasetId, subject: &NationalId) -> reqwest::Url {
    let mut url = base.clone();
    // Ids are validated newtypes, so pushing them as segments cannot escape.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend([
            "v1",
            "datasets",
            dataset.as_str(),
            "records",
            subject.as_str(),
        ]);
    }
    url
}

async fn read_record(
    mut response: reqwest::Response,
    spec: &DatasetSpec,
) -> Result<Value, FetchFailure> {
    let status = response.status().as_u16();
    match status {
        200 => {}
        404 => return Err(FetchFailure::NotFound),
        401 | 403 => return Err(FetchFailure::Refused { status }),
        _ => return Err(FetchFailure::ProviderError { status }),
    }
    let invalid = |reason: &str| FetchFailure::InvalidRecord {
        reason: reason.into(),
    };
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| invalid("the body was cut off"))?
    {
        if body.len() + chunk.len() > MAX_RECORD_BYTES {
            return Err(invalid("the body is larger than any record"));
        }
        body.extend_from_slice(&chunk);
    }
    let record: Value = serde_json::from_slice(&body).map_err(|_| invalid("it is not JSON"))?;
    check_shape(&record, spec)?;
    Ok(record)
}

/// The record must have exactly its dataset's fields: no more than the
/// citizen consented to, nothing the rules would miss.
fn check_shape(record: &Value, spec: &DatasetSpec) -> Result<(), FetchFailure> {
    let object = record.as_object().ok_or(FetchFailure::InvalidRecord {
        reason: "it is not a JSON object".into(),
    })?;
    if let Some(extra) = object.keys().find(|k| !spec.fields.contains(k)) {
        return Err(FetchFailure::InvalidRecord {
            reason: format!("it has a field {extra} the dataset does not declare"),
        });
    }
    if let Some(missing) = spec.fields.iter().find(|f| !object.contains_key(*f)) {
        return Err(FetchFailure::InvalidRecord {
            reason: format!("it lacks the field {missing}"),
        });
    }
    Ok(())
}

fn audit_detail(
    agency: Option<&AgencyId>,
    attempts: u32,
    failure: Option<&FetchFailure>,
) -> String {
    let agency = agency.map_or_else(|| "-".to_owned(), ToString::to_string);
    match failure {
        None => format!("provider {agency}; {attempts} attempt(s)"),
        Some(failure) => format!("provider {agency}; {attempts} attempt(s); {failure}"),
    }
}
