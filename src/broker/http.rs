//! The broker's operator API. Until citizen sessions and consent exist, a
//! direct fetch is an operator's act, and it is audited like any other.

use axum::extract::{FromRef, State};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Broker, DatasetOutcome, FetchFailure, FetchResult, GatherRequest};
use crate::http::{Json, Operator, OperatorToken, Problem};
use crate::ids::{DatasetId, NationalId};
use crate::spec::DatasetRegistry;

const MAX_DATASETS: usize = 32;
const MAX_PURPOSE_CHARS: usize = 200;
/// Retry-After when the audit log is down: a database restart takes seconds.
const AUDIT_RETRY_SECS: u64 = 5;

#[derive(Clone, FromRef)]
struct BrokerApi {
    broker: Broker,
    operator: OperatorToken,
}

pub fn router(broker: Broker, operator: OperatorToken) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(fetch))
        .with_state(BrokerApi { broker, operator })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FetchBody {
    subject: NationalId,
    /// 1 to 32 datasets of the registry.
    #[schema(min_items = 1, max_items = 32)]
    datasets: Vec<DatasetId>,
    /// Why, in 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    purpose: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FetchReply {
    subject: String,
    outcomes: Vec<DatasetOutcome>,
}

/// The request a fetch body asks for, or a 400 saying what is wrong with it.
pub(crate) fn gather_request(
    body: FetchBody,
    registry: &DatasetRegistry,
) -> Result<GatherRequest, Problem> {
    if body.datasets.is_empty() || body.datasets.len() > MAX_DATASETS {
        return Err(Problem::bad_request(format!(
            "name between 1 and {MAX_DATASETS} datasets"
        )));
    }
    if let Some(unknown) = body.datasets.iter().find(|d| registry.dataset(d).is_none()) {
        return Err(Problem::bad_request(format!(
            "there is no dataset {unknown}"
        )));
    }
    let purpose = body.purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > MAX_PURPOSE_CHARS {
        return Err(Problem::bad_request(format!(
            "state the purpose in 1 to {MAX_PURPOSE_CHARS} characters"
        )));
    }
    let mut datasets = body.datasets;
    datasets.sort();
    datasets.dedup();
    Ok(GatherRequest {
        subject: body.subject.clone(),
        datasets,
        purpose: purpose.to_owned(),
        requester: "operator".into(),
    })
}

/// Fetches a citizen's datasets from the agencies as the operator, audited.
#[utoipa::path(post, path = "/api/broker/fetch", tag = "broker",
    security(("operator_token" = [])),
    request_body = FetchBody,
    responses(
        (status = 200, description = "One outcome per dataset, fetched or failed", body = FetchReply),
        (status = 400, description = "No or too many datasets, an unknown dataset, or no purpose"),
        (status = 401, description = "No or a wrong operator token"),
        (status = 422, description = "A field is missing or malformed"),
        (status = 503, description = "The audit log cannot be written, so nothing was transferred"),
    ))]
async fn fetch(
    _: Operator,
    State(broker): State<Broker>,
    Json(body): Json<FetchBody>,
) -> Result<axum::Json<FetchReply>, Problem> {
    let request = gather_request(body, broker.registry())?;
    let outcomes = broker.gather(&request).await;
    // Each record is withheld when its transfer cannot be logged; when that is so
    // for all of them the log itself is down: an outage to retry, not a 200.
    let unlogged = |o: &DatasetOutcome| {
        matches!(
            &o.result,
            FetchResult::Failed {
                reason: FetchFailure::NotAudited,
                ..
            }
        )
    };
    if !outcomes.is_empty() && outcomes.iter().all(unlogged) {
        return Err(Problem::service_unavailable(
            "the audit log cannot be written just now, so nothing was transferred; try again shortly",
        )
        .retry_after(AUDIT_RETRY_SECS));
    }
    Ok(axum::Json(FetchReply {
        subject: request.subject.to_string(),
        outcomes,
    }))
}
