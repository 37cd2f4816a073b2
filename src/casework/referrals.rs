//! Referrals of a case to a catalogue service. A referral only moves
//! forward, one step at a time: referred, accepted (by the agency), done.
//! The case's worker moves it, or an administrator of the agency that
//! owns the service; the move is one conditional write, so two servers
//! cannot both make it.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::http::{CaseworkApi, bounded, invalid, new_id, required};
use super::roles::{Role, Staff, StaffMember};
use super::views::ReferralView;
use crate::clock::now_ms;
use crate::http::{Json, Path, Problem};
use crate::store::{CaseRow, ReferralRow};

const NOTE_MAX_CHARS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Referred,
    Accepted,
    Done,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Referred => "referred",
            Self::Accepted => "accepted",
            Self::Done => "done",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::Referred, Self::Accepted, Self::Done]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// The one status a referral may move to this one from.
    fn previous(self) -> Option<Self> {
        match self {
            Self::Referred => None,
            Self::Accepted => Some(Self::Referred),
            Self::Done => Some(Self::Accepted),
        }
    }
}

fn conflict(detail: String) -> Problem {
    Problem::new(StatusCode::CONFLICT, detail)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewReferral {
    /// A service of the catalogue.
    #[schema(value_type = String, required = true)]
    service_id: Option<String>,
    #[schema(max_length = 4000)]
    note: Option<String>,
}

impl NewReferral {
    /// The service referred to and the optional note, or a 400.
    pub(crate) fn checked(self) -> Result<(String, Option<String>), Problem> {
        let service_id = required(self.service_id, "service_id")?;
        let note = self
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .map(|n| bounded(n, "note", NOTE_MAX_CHARS))
            .transpose()?;
        Ok((service_id, note))
    }
}

/// Refers the case's citizen to a service.
#[utoipa::path(post, path = "/api/cases/{id}/referrals", tag = "casework",
    security(("session_cookie" = [])),
    params(("id" = String, Path, description = "The case id")),
    request_body = NewReferral,
    responses(
        (status = 201, description = "The referral", body = ReferralView),
        (status = 400, description = "No or an unknown service, or a note too long"),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not active staff, or not a role or case of this member's"),
        (status = 404, description = "No such case"),
    ))]
pub(super) async fn refer(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Path(id): Path<String>,
    Json(body): Json<NewReferral>,
) -> Result<(StatusCode, axum::Json<ReferralView>), Problem> {
    let (service_id, note) = body.checked()?;
    let case = api.case_for(&staff, &id).await?;
    if case.status != "open" {
        return Err(conflict(format!("case {id} is closed")));
    }
    let known = api
        .store
        .catalog_get(&service_id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .is_some();
    if !known {
        return Err(invalid(
            "service_id",
            format!("there is no service {service_id} in the catalogue"),
        ));
    }
    let now = now_ms();
    let referral = ReferralRow {
        id: new_id("ref"),
        case_id: case.id.clone(),
        service_id,
        status: Status::Referred.as_str().into(),
        note,
        created_ms: now,
        updated_ms: now,
        updated_by: staff.id.clone(),
    };
    api.store
        .referral_insert(&referral)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let detail = format!("{} to {}", referral.id, referral.service_id);
    api.record(&staff, &case, "case.referred", detail).await?;
    Ok((StatusCode::CREATED, axum::Json(referral.into())))
}

/// Whether `staff` may move `referral`: the case's worker, or an
/// administrator of the agency whose service it is.
async fn may_move(
    api: &CaseworkApi,
    staff: &StaffMember,
    case: &CaseRow,
    referral: &ReferralRow,
) -> Result<bool, Problem> {
    if staff.id == case.worker {
        return Ok(true);
    }
    let (Role::AgencyAdmin, Some(agency)) = (staff.role, &staff.agency) else {
        return Ok(false);
    };
    let owner = api
        .store
        .catalog_get(&referral.service_id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .map(|service| service.agency);
    Ok(owner.as_deref() == Some(agency.as_str()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct StatusChange {
    #[schema(value_type = String, required = true, pattern = "^(referred|accepted|done)$")]
    status: Option<String>,
}

impl StatusChange {
    /// The status asked for, or a 400.
    fn checked(self) -> Result<Status, Problem> {
        let raw = required(self.status, "status")?;
        Status::parse(&raw).ok_or_else(|| {
            invalid(
                "status",
                format!("\"status\" is one of referred, accepted, done, not {raw:?}"),
            )
        })
    }

    /// Whether the body names a status a referral can have; what the
    /// handler checks before anything is read or stored.
    pub(crate) fn check(self) -> Result<(), Problem> {
        self.checked().map(|_| ())
    }
}

/// Moves a referral on: referred, accepted, done.
#[utoipa::path(post, path = "/api/cases/{id}/referrals/{rid}/status", tag = "casework",
    security(("session_cookie" = [])),
    params(
        ("id" = String, Path, description = "The case id"),
        ("rid" = String, Path, description = "The referral id"),
    ),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The referral in its new status", body = ReferralView),
        (status = 400, description = "No or an unknown status"),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not active staff, or not a role or case of this member's"),
        (status = 404, description = "No such case or referral"),
        (status = 409, description = "The referral cannot move to that status from where it is"),
    ))]
pub(super) async fn move_status(
    Staff(staff): Staff,
    State(api): State<CaseworkApi>,
    Path((id, rid)): Path<(String, String)>,
    Json(body): Json<StatusChange>,
) -> Result<axum::Json<ReferralView>, Problem> {
    let target = body.checked()?;
    let case = api.case_or_404(&id).await?;
    let referral = api
        .store
        .referral_get(&id, &rid)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("case {id} has no referral {rid}")))?;
    if !may_move(&api, &staff, &case, &referral).await? {
        api.refused(&staff, &case, "may not move this referral")
            .await?;
        return Err(Problem::forbidden(
            "only the case's worker or an administrator of the service's agency moves a referral",
        ));
    }
    let from = target.previous().filter(|f| f.as_str() == referral.status);
    let Some(from) = from else {
        return Err(conflict(format!(
            "the referral is {}; it cannot move to {}",
            referral.status,
            target.as_str()
        )));
    };
    let moved = api
        .store
        .referral_move(
            &id,
            &rid,
            from.as_str(),
            target.as_str(),
            &staff.id,
            now_ms(),
        )
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !moved {
        return Err(conflict(format!(
            "the referral moved on meanwhile; it is no longer {}",
            from.as_str()
        )));
    }
    let detail = format!("{rid}: {} -> {}", from.as_str(), target.as_str());
    api.record(&staff, &case, "case.referral_moved", detail)
        .await?;
    api.store
        .referral_get(&id, &rid)
        .await
        .map_err(|e| Problem::internal(&e))?
        .map(|row| axum::Json(row.into()))
        .ok_or_else(|| Problem::not_found(format!("case {id} has no referral {rid}")))
}
