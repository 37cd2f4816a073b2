//! The casework API's state, its routes, and what every case handler
//! shares: who may see a case, and the audit entry each access leaves on
//! the citizen's trail.
//!
//! - `POST /api/admin/staff`, `GET /api/admin/staff`,
//!   `POST /api/admin/staff/{id}/deactivate` (operator token or operator role)
//! - `GET /api/staff/me`
//! - `POST /api/cases` (social worker), `GET /api/cases/queue`,
//!   `GET /api/teams/{team}/queue` (that team's supervisor)
//! - `GET /api/cases/{id}`, `POST /api/cases/{id}/notes`,
//!   `POST /api/cases/{id}/close` (the case's worker or team supervisor)
//! - `POST /api/cases/{id}/referrals`,
//!   `POST /api/cases/{id}/referrals/{rid}/status`

use std::sync::Arc;

use axum::extract::FromRef;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::roles::{Role, StaffMember};
use super::urgency::{Signals, Urgency, rank};
use super::{cases, referrals, staff};
use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::clock::now_ms;
use crate::http::{OperatorToken, Problem};
use crate::identity::Sessions;
use crate::store::{CaseRow, Store};
use crate::understand::Understander;

/// What audit entries of casework give as their purpose.
const PURPOSE: &str = "casework";

#[derive(Clone, FromRef)]
pub struct CaseworkApi {
    pub store: Arc<dyn Store>,
    pub sessions: Sessions,
    pub audit: AuditLog,
    pub understander: Understander,
    pub operator: OperatorToken,
}

pub fn router(api: CaseworkApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(staff::list, staff::create))
        .routes(routes!(staff::deactivate))
        .routes(routes!(staff::me))
        .routes(routes!(cases::open))
        .routes(routes!(cases::own_queue))
        .routes(routes!(cases::team_queue))
        .routes(routes!(cases::show))
        .routes(routes!(cases::add_note))
        .routes(routes!(cases::close))
        .routes(routes!(referrals::refer))
        .routes(routes!(referrals::move_status))
        .with_state(api)
}

/// Whether `staff` may see and work on `case`: its worker, or a
/// supervisor of the team it belongs to.
pub fn may_see(staff: &StaffMember, case: &CaseRow) -> bool {
    staff.id == case.worker
        || (staff.role == Role::Supervisor && staff.team.as_deref() == Some(case.team.as_str()))
}

/// The signals a case stores.
pub fn signals_of(case: &CaseRow) -> Result<Signals, Problem> {
    serde_json::from_str(&case.signals).map_err(|e| Problem::internal(&e))
}

/// How urgent a case is now: an open case waits until now, a closed one
/// waited until it was closed.
pub fn urgency_of(case: &CaseRow, signals: &Signals) -> Urgency {
    let until = if case.status == "open" {
        now_ms()
    } else {
        case.updated_ms
    };
    rank(signals, until - case.opened_ms)
}

impl CaseworkApi {
    /// The case, or 404.
    pub async fn case_or_404(&self, case_id: &str) -> Result<CaseRow, Problem> {
        self.store
            .case_get(case_id)
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| Problem::not_found(format!("there is no case {case_id}")))
    }

    /// The case if `staff` may see it (see [`may_see`]); 404 when unknown,
    /// 403 otherwise, and a refusal is on the citizen's trail too.
    pub async fn case_for(&self, staff: &StaffMember, case_id: &str) -> Result<CaseRow, Problem> {
        let case = self.case_or_404(case_id).await?;
        if may_see(staff, &case) {
            return Ok(case);
        }
        self.refused(
            staff,
            &case,
            "not the case's worker or its team's supervisor",
        )
        .await?;
        Err(Problem::forbidden(format!(
            "case {case_id} is neither yours nor your team's"
        )))
    }

    /// Merges newly found signals (from the citizen's records, say) into
    /// the case's, stores and audits them; the merged signals.
    pub async fn update_signals(
        &self,
        staff: &StaffMember,
        case: &CaseRow,
        found: Signals,
    ) -> Result<Signals, Problem> {
        let merged = signals_of(case)?.merge(found);
        let json = serde_json::to_string(&merged).map_err(|e| Problem::internal(&e))?;
        let stored = self
            .store
            .case_set_signals(&case.id, &json, now_ms())
            .await
            .map_err(|e| Problem::internal(&e))?;
        if !stored {
            return Err(Problem::not_found(format!("there is no case {}", case.id)));
        }
        self.record(staff, case, "case.signals_updated", case.id.clone())
            .await?;
        Ok(merged)
    }

    /// Appends `event` by `staff` about the case's citizen to the audit log.
    /// `detail` names ids, never what a note or summary says.
    pub async fn record(
        &self,
        staff: &StaffMember,
        case: &CaseRow,
        event: &str,
        detail: String,
    ) -> Result<(), Problem> {
        self.append(staff, case, event, Outcome::Success, detail)
            .await
    }

    /// Records a refused access to the case on the citizen's trail.
    pub async fn refused(
        &self,
        staff: &StaffMember,
        case: &CaseRow,
        why: &str,
    ) -> Result<(), Problem> {
        let detail = format!("{}: {why}", case.id);
        self.append(staff, case, "case.access_refused", Outcome::Failure, detail)
            .await
    }

    async fn append(
        &self,
        staff: &StaffMember,
        case: &CaseRow,
        event: &str,
        outcome: Outcome,
        detail: String,
    ) -> Result<(), Problem> {
        self.audit
            .append(NewEntry {
                event: event.into(),
                actor: staff.actor(),
                subject: Some(case.subject.clone()),
                dataset: None,
                purpose: PURPOSE.into(),
                outcome: outcome.as_str().into(),
                detail,
            })
            .await
            .map(|_| ())
            .map_err(|e| Problem::internal(&e))
    }
}

/// A required body field, or a 400 naming it.
pub(super) fn required(value: Option<String>, field: &str) -> Result<String, Problem> {
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(invalid(field, format!("\"{field}\" is required"))),
    }
}

/// A 400 about one field of the body, naming it in `field` too.
pub(super) fn invalid(field: &str, detail: String) -> Problem {
    Problem::bad_request(detail).with("field", field)
}

/// Free text of at most `max` characters.
pub(super) fn bounded(text: String, field: &str, max: usize) -> Result<String, Problem> {
    let length = text.chars().count();
    if length > max {
        return Err(invalid(
            field,
            format!("\"{field}\" has {length} characters; at most {max} are kept"),
        ));
    }
    Ok(text)
}

/// A new record's id: its kind, then a random part.
pub(super) fn new_id(kind: &str) -> String {
    format!("{kind}-{}", uuid::Uuid::new_v4().simple())
}
