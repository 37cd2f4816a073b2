//! Cases, notes and referrals as the API shows them: times spelled out.

use serde::Serialize;

use crate::clock::format_ms;
use crate::store::{CaseNoteRow, CaseRow, ReferralRow};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: String,
    /// The citizen's national ID: the case's worker needs it whole.
    pub subject: String,
    pub worker: String,
    pub team: String,
    pub summary: String,
    pub status: String,
    pub opened: String,
    pub updated: String,
}

impl From<CaseRow> for CaseView {
    fn from(row: CaseRow) -> Self {
        Self {
            id: row.id,
            subject: row.subject,
            worker: row.worker,
            team: row.team,
            summary: row.summary,
            status: row.status,
            opened: format_ms(row.opened_ms),
            updated: format_ms(row.updated_ms),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub id: String,
    pub author: String,
    pub text: String,
    pub at: String,
}

impl From<CaseNoteRow> for NoteView {
    fn from(row: CaseNoteRow) -> Self {
        Self {
            id: row.id,
            author: row.author,
            text: row.text,
            at: format_ms(row.at_ms),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub id: String,
    pub service_id: String,
    pub status: String,
    pub note: Option<String>,
    pub created: String,
    pub updated: String,
    pub updated_by: String,
}

impl From<ReferralRow> for ReferralView {
    fn from(row: ReferralRow) -> Self {
        Self {
            id: row.id,
            service_id: row.service_id,
            status: row.status,
            note: row.note,
            created: format_ms(row.created_ms),
            updated: format_ms(row.updated_ms),
            updated_by: row.updated_by,
        }
    }
}
