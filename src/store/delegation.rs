//! Delegated consents of social workers' cases (see
//! [`crate::casework::delegation`]).

use async_trait::async_trait;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationRow {
    pub case_id: String,
    /// The staff id the citizen delegated to.
    pub staff: String,
    pub subject: String,
    pub consent_id: String,
    /// The datasets, as a JSON list.
    pub datasets: String,
    /// The standing consent's current refresh token, sealed.
    pub refresh: Option<String>,
    /// The records of the first transfer, sealed (JSON).
    pub records: String,
    pub granted_ms: i64,
}

#[async_trait]
pub trait DelegationStore {
    /// Keeps a grant, replacing the case's earlier one.
    async fn delegation_put(&self, row: &DelegationRow) -> Result<(), StoreError>;
    async fn delegation_get(&self, case_id: &str) -> Result<Option<DelegationRow>, StoreError>;
    /// Moves to the rotated refresh token; `false` when `previous` is no
    /// longer the current one (another server used it first).
    async fn delegation_rotate(
        &self,
        case_id: &str,
        previous: &str,
        next: &str,
    ) -> Result<bool, StoreError>;
}

macro_rules! impl_delegation_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::DelegationStore for $store {
            async fn delegation_put(
                &self,
                row: &$crate::store::DelegationRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO case_delegations \
                     (case_id, staff, subject, consent_id, datasets, refresh, records, granted_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (case_id) DO UPDATE SET staff = excluded.staff, \
                     subject = excluded.subject, consent_id = excluded.consent_id, \
                     datasets = excluded.datasets, refresh = excluded.refresh, \
                     records = excluded.records, granted_ms = excluded.granted_ms",
                )
                .bind(&row.case_id)
                .bind(&row.staff)
                .bind(&row.subject)
                .bind(&row.consent_id)
                .bind(&row.datasets)
                .bind(&row.refresh)
                .bind(&row.records)
                .bind(row.granted_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delegation_get(
                &self,
                case_id: &str,
            ) -> Result<Option<$crate::store::DelegationRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT case_id, staff, subject, consent_id, datasets, refresh, records, \
                     granted_ms FROM case_delegations WHERE case_id = $1",
                )
                .bind(case_id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::DelegationRow {
                    case_id: row.try_get("case_id")?,
                    staff: row.try_get("staff")?,
                    subject: row.try_get("subject")?,
                    consent_id: row.try_get("consent_id")?,
                    datasets: row.try_get("datasets")?,
                    refresh: row.try_get("refresh")?,
                    records: row.try_get("records")?,
                    granted_ms: row.try_get("granted_ms")?,
                }))
            }

            async fn delegation_rotate(
                &self,
                case_id: &str,
                previous: &str,
                next: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE case_delegations SET refresh = $1 WHERE case_id = $2 AND refresh = $3",
                )
                .bind(next)
                .bind(case_id)
                .bind(previous)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }
        }
    };
}
pub(super) use impl_delegation_store;
