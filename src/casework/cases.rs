//! Cases: a social worker opens one for a citizen from a summary in their
//! own words, which the model reads for a crisis and for needs; the queue
//! orders open cases by urgency, each with the reasons for its place; the
//! case's worker and their team's supervisor read it, add notes, close it.
//! Every one of these is on the citizen's trail.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::http::{CaseworkApi, bounded, invalid, new_id, required, signals_of, urgency_of};
use super::roles::{Role, Staff, StaffMember};
use super::urgency::{Signals, Urgency, queue_order, signals_from_text};
use super::views::{CaseView, NoteView, ReferralView};
use crate::clock::{DAY_MS, format_ms, now_ms};
use crate::http::{Json, Path, Problem};
use crate::ids::NationalId;
use crate::store::{CaseNoteRow, CaseRow};
use crate::understand::MAX_TEXT_CHARS;

const NOTE_MAX_CHARS: usize = 4_000;

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct OpenCase {
    #[schema(value_type = crate::ids::NationalId, required = true)]
    national_id: Option<String>,
    /// What the citizen needs, in words (at most 2,000 characters).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, pattern = r"\S")]
    summary: Option<String>,
}

impl OpenCase {
    /// The citizen and the summary, or a 400 naming the field at fault.
    pub(crate) fn checked(self) -> Result<(NationalId, String), Problem> {
        let subject = NationalId::parse(&required(self.national_id, "national_id")?)
            .map_err(|e| invalid("national_id", format!("\"national_id\": {e}")))?;
        let summary = bounded(
            required(self.summary, "summary")?,
            "summary",
            MAX_TEXT_CHARS,
        )?;
        Ok((subject, summary))
    }
}

/// A case with everything a worker reads in it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct CaseDetail {
    case: CaseView,
    signals: Signals,
    urgency: Urgency,
    notes: Vec<NoteView>,
    referrals: Vec<ReferralView>,
}

async fn detail(api: &CaseworkApi, case: CaseRow) -> Result<CaseDetail, Problem> {
    let internal = |e: crate::store::StoreError| Problem::internal(&e);
    let notes = api.store.case_notes(&case.id).await.map_err(internal)?;
    let referrals = api.store.referrals(&case.id).await.map_err(internal)?;
    let signals = signals_of(&case)?;
    Ok(CaseDetail {
        urgency: urgency_of(&case, &signals),
        signals,
        notes: notes.into_iter().map(NoteView::from).collect(),
        referrals: referrals.into_iter().map(ReferralView::from).collect(),
        case: CaseView::from(case),
    })
}

/// Opens a case for a citizen; its signals come from the summary.
#[utoipa::path(post, path = "/api/cases", tag = "casework",
    security(("session_cookie" = [])),
    request_body = OpenCase,
    responses(
        (status = 201, description = "The new case", body = CaseDetail),
        (status = 400, description = "A field is missing or invalid: the problem names it"),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not a social worker, or in no team"),
    ))]
pub(super) async fn open(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Json(body): Json<OpenCase>,
) -> Result<(StatusCode, axum::Json<CaseDetail>), Problem> {
    staff.require(&[Role::SocialWorker])?;
    let team = staff
        .team
        .clone()
        .ok_or_else(|| Problem::forbidden("you belong to no team, so no case can be yours"))?;
    let (subject, summary) = body.checked()?;
    let understanding = api
        .understander
        .understand(&summary)
        .await
        .map_err(|e| e.problem())?;
    let signals = signals_from_text(&understanding.crisis, &understanding.detected);
    let now = now_ms();
    let case = CaseRow {
        id: new_id("case"),
        subject: subject.to_string(),
        worker: staff.id.clone(),
        team,
        summary,
        status: "open".into(),
        opened_ms: now,
        updated_ms: now,
        signals: serde_json::to_string(&signals).map_err(|e| Problem::internal(&e))?,
    };
    api.store
        .case_insert(&case)
        .await
        .map_err(|e| Problem::internal(&e))?;
    api.record(&staff, &case, "case.opened", case.id.clone())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(detail(&api, case).await?)))
}

/// One line of a queue: what it takes to choose the next case, and the
/// citizen's ID only masked.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct QueueItem {
    position: usize,
    id: String,
    subject: String,
    worker: String,
    team: String,
    opened: String,
    waiting_days: i64,
    urgency: Urgency,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Queue {
    cases: Vec<QueueItem>,
}

/// Orders open cases by urgency (ties: the older case first) and records
/// on each citizen's trail that the staff member saw their case listed.
async fn queue_of(
    api: &CaseworkApi,
    staff: &StaffMember,
    cases: Vec<CaseRow>,
) -> Result<Queue, Problem> {
    let mut ranked = cases
        .into_iter()
        .map(|case| {
            let urgency = urgency_of(&case, &signals_of(&case)?);
            Ok((case, urgency))
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    ranked.sort_by(|(a, ua), (b, ub)| queue_order(ua, ub).then_with(|| a.id.cmp(&b.id)));
    let mut items = Vec::with_capacity(ranked.len());
    for (index, (case, urgency)) in ranked.into_iter().enumerate() {
        api.record(staff, &case, "case.listed", case.id.clone())
            .await?;
        items.push(QueueItem {
            position: index + 1,
            subject: NationalId::parse(&case.subject)
                .map(|id| id.masked())
                .unwrap_or_default(),
            waiting_days: urgency.waiting_ms.max(0) / DAY_MS,
            opened: format_ms(case.opened_ms),
            id: case.id,
            worker: case.worker,
            team: case.team,
            urgency,
        });
    }
    Ok(Queue { cases: items })
}

/// A worker's own open cases; a supervisor's, their team's.
#[utoipa::path(get, path = "/api/cases/queue", tag = "casework",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Open cases, most urgent first", body = Queue),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not a social worker or supervisor"),
    ))]
pub(super) async fn own_queue(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
) -> Result<axum::Json<Queue>, Problem> {
    staff.require(&[Role::SocialWorker, Role::Supervisor])?;
    let cases = match (staff.role, &staff.team) {
        (Role::Supervisor, Some(team)) => api.store.cases_open_by_team(team).await,
        _ => api.store.cases_open_by_worker(&staff.id).await,
    }
    .map_err(|e| Problem::internal(&e))?;
    queue_of(&api, &staff, cases).await.map(axum::Json)
}

/// A team's open cases, for its supervisor.
#[utoipa::path(get, path = "/api/teams/{team}/queue", tag = "casework",
    security(("session_cookie" = [])),
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "Open cases, most urgent first", body = Queue),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not this team's supervisor"),
    ))]
pub(super) async fn team_queue(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Path(team): Path<String>,
) -> Result<axum::Json<Queue>, Problem> {
    staff.require(&[Role::Supervisor])?;
    if staff.team.as_deref() != Some(team.as_str()) {
        return Err(Problem::forbidden(format!(
            "you supervise {}, not {team}",
            staff.team.as_deref().unwrap_or("no team")
        )));
    }
    let cases = api
        .store
        .cases_open_by_team(&team)
        .await
        .map_err(|e| Problem::internal(&e))?;
    queue_of(&api, &staff, cases).await.map(axum::Json)
}

#[utoipa::path(get, path = "/api/cases/{id}", tag = "casework",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The case with its notes and referrals", body = CaseDetail),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not active staff, or not a role or case of this member's"),
        (status = 404, description = "No such case"),
    ))]
pub(super) async fn show(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<CaseDetail>, Problem> {
    let case = api.case_for(&staff, &id).await?;
    api.record(&staff, &case, "case.viewed", case.id.clone())
        .await?;
    detail(&api, case).await.map(axum::Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewNote {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4000, pattern = r"\S")]
    text: Option<String>,
}

impl NewNote {
    /// The note's text, or a 400.
    pub(crate) fn checked(self) -> Result<String, Problem> {
        bounded(required(self.text, "text")?, "text", NOTE_MAX_CHARS)
    }
}

#[utoipa::path(post, path = "/api/cases/{id}/notes", tag = "casework",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The case id")),
    request_body = NewNote,
    responses(
        (status = 201, description = "The note", body = NoteView),
        (status = 400, description = "No text, or too long"),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not active staff, or not a role or case of this member's"),
        (status = 404, description = "No such case"),
    ))]
pub(super) async fn add_note(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Path(id): Path<String>,
    Json(body): Json<NewNote>,
) -> Result<(StatusCode, axum::Json<NoteView>), Problem> {
    let text = body.checked()?;
    let case = api.case_for(&staff, &id).await?;
    let note = CaseNoteRow {
        id: new_id("note"),
        case_id: case.id.clone(),
        author: staff.id.clone(),
        text,
        at_ms: now_ms(),
    };
    api.store
        .case_note_insert(&note)
        .await
        .map_err(|e| Problem::internal(&e))?;
    api.record(&staff, &case, "case.note_added", note.id.clone())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(NoteView::from(note))))
}

#[utoipa::path(post, path = "/api/cases/{id}/close", tag = "casework",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The case id")),
    responses(
        (status = 200, description = "The closed case", body = CaseView),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not active staff, or not a role or case of this member's"),
        (status = 404, description = "No such case"),
        (status = 409, description = "Closed already"),
    ))]
pub(super) async fn close(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<CaseView>, Problem> {
    let case = api.case_for(&staff, &id).await?;
    let closed = api
        .store
        .case_close(&case.id, now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !closed {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("case {id} is closed already"),
        ));
    }
    api.record(&staff, &case, "case.closed", case.id.clone())
        .await?;
    let case = api.case_or_404(&id).await?;
    Ok(axum::Json(CaseView::from(case)))
}
