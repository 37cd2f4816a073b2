//! The broker's operator API. Until citizen sessions and consent exist, a
//! direct fetch is an operator's act, and it is audited like any other.

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use serde::{Deserialize, Serialize};

use super::{Broker, DatasetOutcome, GatherRequest};
use crate::http::{Json, Operator, OperatorToken, Problem};
use crate::ids::{DatasetId, NationalId};

const MAX_DATASETS: usize = 32;
const MAX_PURPOSE_CHARS: usize = 200;

#[derive(Clone, FromRef)]
struct BrokerApi {
    broker: Broker,
    operator: OperatorToken,
}

pub fn router(broker: Broker, operator: OperatorToken) -> Router {
    Router::new()
        .route("/api/broker/fetch", post(fetch))
        .with_state(BrokerApi { broker, operator })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchBody {
    subject: NationalId,
    datasets: Vec<DatasetId>,
    purpose: String,
}

#[derive(Serialize)]
struct FetchReply {
    subject: String,
    outcomes: Vec<DatasetOutcome>,
}

async fn fetch(
    _: Operator,
    State(broker): State<Broker>,
    Json(body): Json<FetchBody>,
) -> Result<axum::Json<FetchReply>, Problem> {
    if body.datasets.is_empty() || body.datasets.len() > MAX_DATASETS {
        return Err(Problem::bad_request(format!(
            "name between 1 and {MAX_DATASETS} datasets"
        )));
    }
    if let Some(unknown) = body
        .datasets
        .iter()
        .find(|d| broker.registry().dataset(d).is_none())
    {
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
    let request = GatherRequest {
        subject: body.subject.clone(),
        datasets,
        purpose: purpose.to_owned(),
        requester: "operator".into(),
    };
    let outcomes = broker.gather(&request).await;
    Ok(axum::Json(FetchReply {
        subject: body.subject.to_string(),
        outcomes,
    }))
}
