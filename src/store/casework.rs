//! Staff, their cases, case notes and referrals: the social workers' side.
//! Every status change is one conditional UPDATE on the old status, so two
//! servers moving the same case or referral cannot both succeed.

use async_trait::async_trait;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub id: String,
    pub national_id: String,
    pub name: String,
    /// `social_worker`, `supervisor`, `agency_admin` or `operator`.
    pub role: String,
    pub team: Option<String>,
    /// The agency an `agency_admin` acts for.
    pub agency: Option<String>,
    pub active: bool,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: String,
    /// The citizen's national ID.
    pub subject: String,
    /// The assigned worker's staff id.
    pub worker: String,
    pub team: String,
    pub summary: String,
    /// `open` or `closed`.
    pub status: String,
    pub opened_ms: i64,
    pub updated_ms: i64,
    /// The triage signals as JSON.
    pub signals: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNoteRow {
    pub id: String,
    pub case_id: String,
    pub author: String,
    pub text: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRow {
    pub id: String,
    pub case_id: String,
    pub service_id: String,
    /// `referred`, `accepted` or `done`.
    pub status: String,
    pub note: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub updated_by: String,
}

#[async_trait]
pub trait CaseworkStore {
    /// Inserts; `false` when the id or the national ID is staff already.
    async fn staff_insert(&self, row: &StaffRow) -> Result<bool, StoreError>;
    async fn staff_list(&self) -> Result<Vec<StaffRow>, StoreError>;
    async fn staff_get(&self, id: &str) -> Result<Option<StaffRow>, StoreError>;
    /// The active staff member a citizen is, if any.
    async fn staff_active_by_national_id(
        &self,
        national_id: &str,
    ) -> Result<Option<StaffRow>, StoreError>;
    /// `false` when there is no such active staff member.
    async fn staff_deactivate(&self, id: &str) -> Result<bool, StoreError>;

    async fn case_insert(&self, row: &CaseRow) -> Result<(), StoreError>;
    async fn case_get(&self, id: &str) -> Result<Option<CaseRow>, StoreError>;
    async fn cases_open_by_worker(&self, worker: &str) -> Result<Vec<CaseRow>, StoreError>;
    async fn cases_open_by_team(&self, team: &str) -> Result<Vec<CaseRow>, StoreError>;
    /// `false` when the case is unknown.
    async fn case_set_signals(
        &self,
        id: &str,
        signals: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Closes an open case; `false` when it is unknown or closed already.
    async fn case_close(&self, id: &str, now_ms: i64) -> Result<bool, StoreError>;

    async fn case_note_insert(&self, row: &CaseNoteRow) -> Result<(), StoreError>;
    /// A case's notes, oldest first.
    async fn case_notes(&self, case_id: &str) -> Result<Vec<CaseNoteRow>, StoreError>;

    async fn referral_insert(&self, row: &ReferralRow) -> Result<(), StoreError>;
    /// A case's referrals, oldest first.
    async fn referrals(&self, case_id: &str) -> Result<Vec<ReferralRow>, StoreError>;
    async fn referral_get(
        &self,
        case_id: &str,
        id: &str,
    ) -> Result<Option<ReferralRow>, StoreError>;
    /// Moves a referral from status `from` to `to`; `false` when it is not
    /// (or no longer) at `from`.
    async fn referral_move(
        &self,
        case_id: &str,
        id: &str,
        from: &str,
        to: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}

// Rows as tuples, in the column order of the queries in casework_sql.rs.

pub(super) type StaffTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    i64,
);

pub(super) fn staff_row(
    (id, national_id, name, role, team, agency, active, created_ms): StaffTuple,
) -> StaffRow {
    StaffRow {
        id,
        national_id,
        name,
        role,
        team,
        agency,
        active,
        created_ms,
    }
}

pub(super) type CaseTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
);

pub(super) fn case_row(
    (id, subject, worker, team, summary, status, opened_ms, updated_ms, signals): CaseTuple,
) -> CaseRow {
    CaseRow {
        id,
        subject,
        worker,
        team,
        summary,
        status,
        opened_ms,
        updated_ms,
        signals,
    }
}

pub(super) type ReferralTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    String,
);

pub(super) fn referral_row(
    (id, case_id, service_id, status, note, created_ms, updated_ms, updated_by): ReferralTuple,
) -> ReferralRow {
    ReferralRow {
        id,
        case_id,
        service_id,
        status,
        note,
        created_ms,
        updated_ms,
        updated_by,
    }
}
