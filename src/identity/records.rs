//! A citizen's own records, fetched through the broker for the logged-in
//! citizen only, and the step-up that guards them.
//!
//! `GET /api/me/datasets/{dataset}` returns the record when the session's
//! level meets the dataset's. When it does not, the answer is a 401 problem
//! of type [`STEP_UP`] naming the level needed and the factors that reach
//! it; once the citizen proves one within the same session, the same
//! request succeeds. Nothing about the flow is lost in between.

use axum::extract::State;
use serde::Serialize;

use super::http::IdentityApi;
use super::session::CitizenSession;
use crate::broker::{DatasetOutcome, GatherRequest};
use crate::http::{Path, Problem};
use crate::ids::{DatasetId, Level};

pub const STEP_UP: &str = "/problems/step-up-required";

/// The factors that reach at least `level`, strongest last.
fn factors_for(level: Level) -> Vec<&'static str> {
    match level {
        Level::Low => vec!["knowledge", "totp", "passkey", "citizen_card"],
        Level::Substantial => vec!["totp", "passkey", "citizen_card"],
        Level::High => vec!["citizen_card"],
    }
}

pub fn step_up(current: Level, required: Level, retry: &str) -> Problem {
    Problem::unauthorized(format!(
        "this needs level {required}; you are logged in at level {current}. \
         Prove a stronger factor, then ask again"
    ))
    .typed(STEP_UP, "Stronger login needed")
    .with("current_level", current.to_string())
    .with("required_level", required.to_string())
    .with("factors", factors_for(required))
    .with("retry", retry)
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OwnRecord {
    #[serde(flatten)]
    outcome: DatasetOutcome,
}

/// The citizen's own record of one dataset, fetched through the broker;
/// a dataset above the session's level asks for a step-up.
#[utoipa::path(get, path = "/api/me/datasets/{dataset}", tag = "identity",
    security(("session_cookie" = [])),
    params(("dataset" = crate::ids::DatasetId, Path, description = "A dataset of the registry")),
    responses(
        (status = 200, description = "The outcome: the record, or why it could not be fetched", body = OwnRecord),
        (status = 400, description = "A malformed dataset id"),
        (status = 401, description = "No session, or the dataset needs a higher level: a `/problems/step-up` problem names the factors"),
        (status = 404, description = "No such dataset"),
    ))]
pub(super) async fn own_record(
    State(api): State<IdentityApi>,
    CitizenSession(session): CitizenSession,
    Path(dataset): Path<String>,
) -> Result<axum::Json<OwnRecord>, Problem> {
    let dataset = DatasetId::parse(&dataset).map_err(|e| Problem::bad_request(e.to_string()))?;
    let Some(spec) = api.broker.registry().dataset(&dataset) else {
        return Err(Problem::not_found(format!("there is no dataset {dataset}")));
    };
    if session.level < spec.loa {
        return Err(step_up(
            session.level,
            spec.loa,
            &format!("GET /api/me/datasets/{dataset}"),
        ));
    }
    let request = GatherRequest {
        subject: session.subject.clone(),
        datasets: vec![dataset],
        purpose: "the citizen's own copy".into(),
        requester: "citizen".into(),
    };
    let mut outcomes = api.broker.gather(&request).await;
    let outcome = outcomes
        .pop()
        .ok_or_else(|| Problem::internal(&"the broker returned no outcome"))?;
    Ok(axum::Json(OwnRecord { outcome }))
}
