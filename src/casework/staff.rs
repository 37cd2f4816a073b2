//! Staff accounts: an operator says which citizens are staff, in which
//! role, team and agency; a staff member reads their own account.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::http::{CaseworkApi, invalid, required};
use super::roles::{Admin, Role, Staff, StaffMember};
use crate::audit::{NewEntry, Outcome};
use crate::clock::now_ms;
use crate::http::{Json, Path, Problem};
use crate::ids::{AgencyId, NationalId};
use crate::store::StaffRow;

const NAME_MAX_CHARS: usize = 100;

/// A new staff account. Fields are read as optional so that a missing one
/// gets a 400 naming it; the schema says what is required.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewStaff {
    /// 2 to 64 of a-z, 0-9 and '-', starting with a letter.
    #[schema(value_type = String, required = true, pattern = "^[a-z][a-z0-9-]{1,63}$")]
    id: Option<String>,
    #[schema(value_type = crate::ids::NationalId, required = true)]
    national_id: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(value_type = Role, required = true)]
    role: Option<String>,
    /// Needed for a social worker or supervisor; a slug like `id`.
    #[schema(value_type = Option<String>, pattern = "^[a-z][a-z0-9-]{1,63}$")]
    team: Option<String>,
    /// Needed for an agency admin.
    #[schema(value_type = Option<crate::ids::AgencyId>)]
    agency: Option<String>,
}

/// Staff ids and team names go into paths: 2 to 64 of a-z, 0-9 and '-',
/// starting with a letter (e.g. `sw-chen`, `north-1`).
fn slug(value: String, field: &str) -> Result<String, Problem> {
    let valid = (2..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(value)
    } else {
        Err(invalid(
            field,
            format!("\"{field}\" is 2 to 64 of a-z, 0-9 and '-', starting with a letter"),
        ))
    }
}

pub(crate) fn validate(body: NewStaff) -> Result<StaffRow, Problem> {
    let id = slug(required(body.id, "id")?, "id")?;
    let national_id = NationalId::parse(&required(body.national_id, "national_id")?)
        .map_err(|e| invalid("national_id", format!("\"national_id\": {e}")))?;
    let name = required(body.name, "name")?;
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(invalid(
            "name",
            format!("\"name\" is at most {NAME_MAX_CHARS} characters"),
        ));
    }
    let role: Role = required(body.role, "role")?
        .parse()
        .map_err(|e| invalid("role", format!("\"role\": {e}")))?;
    let team = body
        .team
        .map(|t| slug(t.trim().to_owned(), "team"))
        .transpose()?;
    if team.is_none() && matches!(role, Role::SocialWorker | Role::Supervisor) {
        return Err(invalid("team", format!("a {role} needs a \"team\"")));
    }
    let agency = body
        .agency
        .map(|a| {
            AgencyId::parse(a.trim()).map_err(|e| invalid("agency", format!("\"agency\": {e}")))
        })
        .transpose()?;
    if agency.is_none() && role == Role::AgencyAdmin {
        return Err(invalid("agency", format!("an {role} needs an \"agency\"")));
    }
    Ok(StaffRow {
        id,
        national_id: national_id.to_string(),
        name,
        role: role.as_str().into(),
        team,
        agency: agency.map(|a| a.to_string()),
        active: true,
        created_ms: now_ms(),
    })
}

async fn record(
    api: &CaseworkApi,
    admin: &Admin,
    event: &str,
    row: &StaffRow,
) -> Result<(), Problem> {
    api.audit
        .append(NewEntry {
            event: event.into(),
            actor: admin.actor(),
            // The staff member's own trail shows that they became staff.
            subject: Some(row.national_id.clone()),
            dataset: None,
            purpose: "staff administration".into(),
            outcome: Outcome::Success.as_str().into(),
            detail: format!("{} as {}", row.id, row.role),
        })
        .await
        .map(|_| ())
        .map_err(|e| Problem::internal(&e))
}

/// Creates a staff account.
#[utoipa::path(post, path = "/api/admin/staff", tag = "casework",
    security(("operator_token" = []), ("session_cookie" = [])),
    request_body = NewStaff,
    responses(
        (status = 201, description = "Created", body = StaffMember),
        (status = 400, description = "A field is missing or invalid: the problem names it"),
        (status = 401, description = "No or a wrong operator token, or no session"),
        (status = 403, description = "Not staff with the operator role"),
        (status = 409, description = "The id or the national ID has an account already"),
    ))]
pub(super) async fn create(
    admin: Admin,
    State(api): State<CaseworkApi>,
    Json(body): Json<NewStaff>,
) -> Result<(StatusCode, axum::Json<StaffMember>), Problem> {
    let row = validate(body)?;
    let inserted = api
        .store
        .staff_insert(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !inserted {
        let id_taken = api
            .store
            .staff_get(&row.id)
            .await
            .map_err(|e| Problem::internal(&e))?
            .is_some();
        let detail = if id_taken {
            format!("the staff id {} is taken", row.id)
        } else {
            "this national ID belongs to a staff account already".to_owned()
        };
        return Err(Problem::new(StatusCode::CONFLICT, detail));
    }
    record(&api, &admin, "staff.created", &row).await?;
    Ok((StatusCode::CREATED, axum::Json(StaffMember::from_row(row)?)))
}

/// Every staff account.
#[utoipa::path(get, path = "/api/admin/staff", tag = "casework",
    security(("operator_token" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The staff", body = [StaffMember]),
        (status = 401, description = "No or a wrong operator token, or no session"),
        (status = 403, description = "Not staff with the operator role"),
    ))]
pub(super) async fn list(
    _: Admin,
    State(api): State<CaseworkApi>,
) -> Result<axum::Json<Vec<StaffMember>>, Problem> {
    let rows = api
        .store
        .staff_list()
        .await
        .map_err(|e| Problem::internal(&e))?;
    rows.into_iter()
        .map(StaffMember::from_row)
        .collect::<Result<_, _>>()
        .map(axum::Json)
}

#[utoipa::path(post, path = "/api/admin/staff/{id}/deactivate", tag = "casework",
    security(("operator_token" = []), ("session_cookie" = [])),
    params(("id" = String, Path, description = "The staff id")),
    responses(
        (status = 200, description = "Deactivated", body = StaffMember),
        (status = 401, description = "No or a wrong operator token, or no session"),
        (status = 403, description = "Not staff with the operator role"),
        (status = 404, description = "No such staff member"),
        (status = 409, description = "Deactivated already"),
    ))]
pub(super) async fn deactivate(
    admin: Admin,
    State(api): State<CaseworkApi>,
    Path(id): Path<String>,
) -> Result<axum::Json<StaffMember>, Problem> {
    let mut row = api
        .store
        .staff_get(&id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| Problem::not_found(format!("there is no staff member {id}")))?;
    let deactivated = api
        .store
        .staff_deactivate(&id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !deactivated {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!("{id} is deactivated already"),
        ));
    }
    row.active = false;
    record(&api, &admin, "staff.deactivated", &row).await?;
    Ok(axum::Json(StaffMember::from_row(row)?))
}

/// The calling staff member.
#[utoipa::path(get, path = "/api/staff/me", tag = "casework",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Who the session's staff member is", body = StaffMember),
        (status = 401, description = "No session, or a level below what staff need (a step-up problem)"),
        (status = 403, description = "Not active staff"),
    ))]
pub(super) async fn me(Staff(member): Staff) -> axum::Json<StaffMember> {
    axum::Json(member)
}
