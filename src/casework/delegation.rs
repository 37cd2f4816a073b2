//! Delegated consent: a citizen lets the social worker of their case see
//! chosen records, for as long as they choose, through the platform's own
//! online flow (the casework client's registration states that purpose).
//! The grant names the worker who asked. Each look at the records is a new
//! transfer through the standing consent — in the citizen's trail like any
//! other — and withdrawing the consent at the platform ends it at once.

use std::sync::Arc;

use crate::assistant::consent::Clients;
use crate::assistant::held::DataUsed;
use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::clock;
use crate::http::Problem;
use crate::provider_client::Package;
use crate::recommend::Records;
use crate::sealing::CredentialKey;
use crate::store::{CaseRow, DelegationRow, Store};

/// A one-time grant (no standing consent) serves this long.
const ONE_TIME_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone)]
pub struct Delegations {
    pub store: Arc<dyn Store>,
    pub sealer: Arc<CredentialKey>,
    pub audit: AuditLog,
}

/// The records a look at a case may use, and where they came from.
pub struct Looked {
    pub records: Records,
    pub used: Vec<DataUsed>,
}

fn records_context(case_id: &str) -> String {
    format!("case-delegation/{case_id}")
}

fn refresh_context(case_id: &str) -> String {
    format!("case-refresh/{case_id}")
}

impl Delegations {
    /// Keeps the citizen's grant to `staff` for the case, checked to be the
    /// case's citizen, replacing an earlier one.
    pub async fn granted(
        &self,
        case_id: &str,
        staff: &str,
        datasets: &[String],
        package: &Package,
        refresh_token: Option<String>,
    ) -> Result<(), Problem> {
        let case = self
            .store
            .case_get(case_id)
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| Problem::not_found(format!("there is no case {case_id}")))?;
        if case.subject != package.subject {
            return Err(Problem::forbidden(
                "this consent was given by someone other than the case's citizen",
            ));
        }
        let plain = serde_json::to_vec(&package.records).map_err(|e| Problem::internal(&e))?;
        let records = self
            .sealer
            .seal_envelope(&records_context(case_id), &plain)
            .map_err(|e| Problem::internal(&e))?;
        let refresh = refresh_token
            .map(|token| {
                self.sealer
                    .seal(&refresh_context(case_id), token.as_bytes())
            })
            .transpose()
            .map_err(|e| Problem::internal(&e))?;
        let delivered: Vec<&str> = package
            .manifest
            .iter()
            .map(|m| m.dataset.as_str())
            .collect();
        self.store
            .delegation_put(&DelegationRow {
                case_id: case_id.to_owned(),
                staff: staff.to_owned(),
                subject: case.subject.clone(),
                consent_id: package.consent_id.clone(),
                datasets: serde_json::to_string(datasets).map_err(|e| Problem::internal(&e))?,
                refresh,
                records,
                granted_ms: clock::now_ms(),
            })
            .await
            .map_err(|e| Problem::internal(&e))?;
        self.audit(
            &case,
            staff,
            "case.consent_granted",
            Outcome::Success,
            format!(
                "{case_id}: consent {} to staff:{staff} for {}",
                package.consent_id,
                delivered.join(", ")
            ),
        )
        .await
    }

    /// The citizen's records for `staff` looking at `case`: fetched anew
    /// through the standing consent, or those of a one-time grant within a
    /// day. A 403 naming why when there is no live grant to this worker.
    pub async fn look(
        &self,
        clients: &Clients,
        staff: &str,
        case: &CaseRow,
    ) -> Result<Looked, Problem> {
        let refuse = |why: &'static str| Problem::forbidden(why);
        let Some(row) = self
            .store
            .delegation_get(&case.id)
            .await
            .map_err(|e| Problem::internal(&e))?
        else {
            return Err(refuse(
                "the citizen has not granted you access to their records; ask for their consent",
            ));
        };
        if row.staff != staff {
            return Err(refuse(
                "the citizen granted access to another worker, not to you",
            ));
        }
        let now = clock::now_ms();
        let consent = self
            .store
            .consent_get(&row.consent_id)
            .await
            .map_err(|e| Problem::internal(&e))?;
        let live = |standing: bool| {
            consent
                .as_ref()
                .is_some_and(|c| c.revoked_ms.is_none() && (!standing || c.expires_ms > now))
        };
        let Some(sealed_refresh) = row.refresh.clone() else {
            if !live(false) || now - row.granted_ms > ONE_TIME_MS {
                return Err(refuse("the citizen's consent has ended or was withdrawn"));
            }
            return self.stored(&row, now);
        };
        if !live(true) {
            return Err(refuse("the citizen's consent has ended or was withdrawn"));
        }
        let refresh = self
            .sealer
            .open(&refresh_context(&case.id), &sealed_refresh)
            .map_err(|e| Problem::internal(&e))?;
        let refresh = String::from_utf8(refresh).map_err(|e| Problem::internal(&e))?;
        let client = &clients.casework;
        let unreachable = |error: crate::provider_client::ClientError| {
            tracing::warn!(%error, "casework could not fetch the delegated records");
            Problem::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "the citizen's records could not be fetched just now; try again",
            )
        };
        let (access, next) = client.refresh(&refresh).await.map_err(unreachable)?;
        let next = self
            .sealer
            .seal(&refresh_context(&case.id), next.as_bytes())
            .map_err(|e| Problem::internal(&e))?;
        let rotated = self
            .store
            .delegation_rotate(&case.id, &sealed_refresh, &next)
            .await
            .map_err(|e| Problem::internal(&e))?;
        if !rotated {
            return Err(Problem::new(
                axum::http::StatusCode::CONFLICT,
                "another look at this case is under way; try again",
            ));
        }
        let sealed = client.fetch_package(&access).await.map_err(unreachable)?;
        let package = client.open_package(&sealed).await.map_err(unreachable)?;
        let used = package
            .manifest
            .iter()
            .map(|m| DataUsed {
                dataset: m.dataset.clone(),
                name: String::new(),
                agency: m.agency.clone(),
                agency_name: String::new(),
                fetched_at: m.fetched_at.clone(),
                consent_id: package.consent_id.clone(),
                deleted_by: clock::format_ms(now),
            })
            .collect();
        Ok(Looked {
            records: package.records,
            used,
        })
    }

    fn stored(&self, row: &DelegationRow, now: i64) -> Result<Looked, Problem> {
        let plain = self
            .sealer
            .open_envelope(&records_context(&row.case_id), &row.records)
            .map_err(|e| Problem::internal(&e))?;
        let records: Records = serde_json::from_slice(&plain).map_err(|e| Problem::internal(&e))?;
        let used = records
            .keys()
            .map(|dataset| DataUsed {
                dataset: dataset.clone(),
                name: String::new(),
                agency: String::new(),
                agency_name: String::new(),
                fetched_at: clock::format_ms(row.granted_ms),
                consent_id: row.consent_id.clone(),
                deleted_by: clock::format_ms((row.granted_ms + ONE_TIME_MS).max(now)),
            })
            .collect();
        Ok(Looked { records, used })
    }

    async fn audit(
        &self,
        case: &CaseRow,
        staff: &str,
        event: &str,
        outcome: Outcome,
        detail: String,
    ) -> Result<(), Problem> {
        self.audit
            .append(NewEntry {
                event: event.into(),
                actor: format!("staff:{staff}"),
                subject: Some(case.subject.clone()),
                dataset: None,
                purpose: "casework".into(),
                outcome: outcome.as_str().into(),
                detail,
            })
            .await
            .map(|_| ())
            .map_err(|e| Problem::internal(&e))
    }
}
