//! The worker's view of a case on the citizen's records: the same analysis
//! the citizen gets from the assistant, run on the case's summary with the
//! records the citizen delegated.
//!
//! - `POST /api/cases/{id}/consent {"datasets"}` (the case's worker): asks
//!   the citizen, through the platform's consent screens, to delegate those
//!   records to this worker; the answer is the link to hand the citizen.
//! - `GET /api/cases/{id}/analysis` (the worker the citizen delegated to):
//!   ranked services with verdicts and reasons, vacancies, and the case's
//!   signals brought up to date from the records. Without a live grant:
//!   403, and the refusal is on the citizen's trail like every look.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::delegation::Delegations;
use super::http::{CaseworkApi, urgency_of};
use super::roles::{Role, Staff};
use super::urgency::{Signals, Urgency, signals_from_records};
use crate::assistant::Assistant;
use crate::assistant::consent::{Asked, Clients, Purpose, ask};
use crate::assistant::held::Held;
use crate::assistant::reply::Reply;
use crate::http::{Json, Path, Problem};
use crate::identity::Sessions;
use crate::recommend::http::today_in_taiwan;
use crate::sealing::CredentialKey;
use crate::store::Store;

#[derive(Clone, FromRef)]
pub struct AnalysisApi {
    pub casework: CaseworkApi,
    pub store: Arc<dyn Store>,
    pub sessions: Sessions,
    #[from_ref(skip)]
    pub assistant: Assistant,
    #[from_ref(skip)]
    pub clients: Clients,
    #[from_ref(skip)]
    pub delegations: Delegations,
    #[from_ref(skip)]
    pub sealer: Arc<CredentialKey>,
}

pub fn router(api: AnalysisApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(ask_delegation))
        .routes(routes!(analysis))
        .with_state(api)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Delegate {
    /// Datasets of the registry, no duplicates.
    datasets: Vec<String>,
}

/// Asks the citizen, through the platform's consent screens, to delegate
/// these records to the case's worker.
#[utoipa::path(post, path = "/api/cases/{id}/consent", tag = "casework",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The case id")),
    request_body = Delegate,
    responses(
        (status = 201, description = "The link to hand the citizen", body = Asked),
        (status = 400, description = "No, unknown or repeated datasets"),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not the case's own social worker"),
        (status = 404, description = "No such case"),
    ))]
async fn ask_delegation(
    Staff(staff): Staff,
    State(api): State<AnalysisApi>,
    Path(id): Path<String>,
    Json(body): Json<Delegate>,
) -> Result<(StatusCode, axum::Json<Asked>), Problem> {
    staff.require(&[Role::SocialWorker])?;
    let case = api.casework.case_for(&staff, &id).await?;
    if case.worker != staff.id {
        return Err(Problem::forbidden(
            "only the case's own worker asks the citizen for consent",
        ));
    }
    let asked = ask(
        &api.clients,
        api.store.as_ref(),
        &api.sealer,
        &api.assistant.registry,
        Purpose::Case {
            id: case.id.clone(),
            staff: staff.id.clone(),
        },
        // Only the case's citizen may answer; anyone else is refused
        // before a record is fetched.
        Some(case.subject.as_str()),
        body.datasets,
    )
    .await?;
    api.casework
        .record(
            &staff,
            &case,
            "case.consent_asked",
            format!("{}: {}", case.id, asked.datasets.join(", ")),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(asked)))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = CaseAnalysis)]
pub(super) struct Analysis {
    case_id: String,
    reply: Reply,
    signals: Signals,
    urgency: Urgency,
}

/// The assistant's analysis on the records the citizen delegated.
#[utoipa::path(get, path = "/api/cases/{id}/analysis", tag = "casework",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "Ranked services with verdicts and reasons, vacancies, and up-to-date signals", body = Analysis),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "No live delegation from the citizen, or not this member's case"),
        (status = 404, description = "No such case"),
    ))]
async fn analysis(
    Staff(staff): Staff,
    State(api): State<AnalysisApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<Analysis>, Problem> {
    let case = api.casework.case_for(&staff, &id).await?;
    let looked = match api.delegations.look(&api.clients, &staff.id, &case).await {
        Ok(looked) => looked,
        Err(problem) => {
            api.casework
                .refused(&staff, &case, "no live consent from the citizen")
                .await?;
            return Err(problem);
        }
    };
    let today = today_in_taiwan();
    let held = Held {
        records: looked.records,
        used: looked.used,
    };
    let reply = api
        .assistant
        .answer(&case.summary, today, None, &held, None)
        .await?;
    let datasets: Vec<&str> = held.used.iter().map(|u| u.dataset.as_str()).collect();
    api.casework
        .record(
            &staff,
            &case,
            "case.records_viewed",
            format!("{}: {}", case.id, datasets.join(", ")),
        )
        .await?;
    let signals = api
        .casework
        .update_signals(&staff, &case, signals_from_records(&held.records, today))
        .await?;
    Ok(axum::Json(Analysis {
        case_id: case.id.clone(),
        urgency: urgency_of(&case, &signals),
        signals,
        reply,
    }))
}
