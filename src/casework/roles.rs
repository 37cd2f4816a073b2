//! Who may do what in casework. Staff sign in as the citizens they are,
//! through the platform's own identity service, and must reach level
//! `substantial`; a session is a staff member's when its citizen has an
//! active row in `staff`. As extractors, handlers' signatures say who may
//! call them.

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::http::{Operator, OperatorToken, Problem};
use crate::identity::{CitizenSession, Sessions, step_up};
use crate::ids::{Level, NationalId};
use crate::store::{StaffRow, Store};

/// The level every staff request needs: personal data of others is at stake.
pub const STAFF_LEVEL: Level = Level::Substantial;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SocialWorker,
    Supervisor,
    AgencyAdmin,
    Operator,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::SocialWorker,
        Role::Supervisor,
        Role::AgencyAdmin,
        Role::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SocialWorker => "social_worker",
            Self::Supervisor => "supervisor",
            Self::AgencyAdmin => "agency_admin",
            Self::Operator => "operator",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a role is one of social_worker, supervisor, agency_admin, operator")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(raw: &str) -> Result<Self, UnknownRole> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == raw)
            .ok_or(UnknownRole)
    }
}

/// A staff member as the rest of casework sees one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub id: String,
    /// Shown masked: a staff list is no place for whole ID numbers.
    #[serde(serialize_with = "masked")]
    #[schema(value_type = String, example = "A*****6789")]
    pub national_id: NationalId,
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
    pub agency: Option<String>,
    pub active: bool,
}

fn masked<S: serde::Serializer>(id: &NationalId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.masked())
}

impl StaffMember {
    /// The actor staff actions are audited under.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }

    pub fn from_row(row: StaffRow) -> Result<Self, Problem> {
        let corrupt = |what: &str| Problem::internal(&format!("staff {}: bad {what}", row.id));
        Ok(Self {
            national_id: NationalId::parse(&row.national_id).map_err(|_| corrupt("national id"))?,
            role: row.role.parse().map_err(|_| corrupt("role"))?,
            id: row.id,
            name: row.name,
            team: row.team,
            agency: row.agency,
            active: row.active,
        })
    }

    /// A 403 unless this member has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Problem> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let wanted: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        Err(Problem::forbidden(format!(
            "this needs the role {}; you are {}",
            wanted.join(" or "),
            self.role
        )))
    }
}

/// The calling staff member: an active staff row for the session's
/// citizen, at level [`STAFF_LEVEL`] or above.
pub struct Staff(pub StaffMember);

impl<S> FromRequestParts<S> for Staff
where
    Sessions: FromRef<S>,
    Arc<dyn Store>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CitizenSession(session) = CitizenSession::from_request_parts(parts, state).await?;
        let row = Arc::<dyn Store>::from_ref(state)
            .staff_active_by_national_id(session.subject.as_str())
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| Problem::forbidden("you are not registered as active staff"))?;
        // Staff first, then the level: a citizen who is not staff is not
        // asked to prove a stronger factor for nothing.
        if session.level < STAFF_LEVEL {
            let retry = format!("{} {}", parts.method, parts.uri.path());
            return Err(step_up(session.level, STAFF_LEVEL, &retry));
        }
        StaffMember::from_row(row).map(Staff)
    }
}

/// Whoever administers staff accounts: the operator's bearer token, or a
/// staff member with the operator role.
pub enum Admin {
    OperatorToken,
    Staff(StaffMember),
}

impl Admin {
    pub fn actor(&self) -> String {
        match self {
            Self::OperatorToken => "operator".into(),
            Self::Staff(member) => member.actor(),
        }
    }
}

impl<S> FromRequestParts<S> for Admin
where
    OperatorToken: FromRef<S>,
    Sessions: FromRef<S>,
    Arc<dyn Store>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(AUTHORIZATION) {
            Operator::from_request_parts(parts, state).await?;
            return Ok(Self::OperatorToken);
        }
        let Staff(member) = Staff::from_request_parts(parts, state).await?;
        member.require(&[Role::Operator])?;
        Ok(Self::Staff(member))
    }
}
