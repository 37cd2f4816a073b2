//! The SQL of [`super::CaseworkStore`], one text for both stores.

macro_rules! impl_casework_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::CaseworkStore for $store {
            async fn staff_insert(
                &self,
                row: &$crate::store::StaffRow,
            ) -> Result<bool, $crate::store::StoreError> {
                // No conflict target: a taken id and a taken national ID
                // are both a conflict.
                let done = sqlx::query(
                    "INSERT INTO staff \
                     (id, national_id, name, role, team, agency, active, created_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(&row.id)
                .bind(&row.national_id)
                .bind(&row.name)
                .bind(&row.role)
                .bind(&row.team)
                .bind(&row.agency)
                .bind(row.active)
                .bind(row.created_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn staff_list(
                &self,
            ) -> Result<Vec<$crate::store::StaffRow>, $crate::store::StoreError> {
                let rows = sqlx::query_as(
                    "SELECT id, national_id, name, role, team, agency, active, created_ms \
                     FROM staff ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::store::casework::staff_row).collect())
            }

            async fn staff_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::StaffRow>, $crate::store::StoreError> {
                let row = sqlx::query_as(
                    "SELECT id, national_id, name, role, team, agency, active, created_ms \
                     FROM staff WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::store::casework::staff_row))
            }

            async fn staff_active_by_national_id(
                &self,
                national_id: &str,
            ) -> Result<Option<$crate::store::StaffRow>, $crate::store::StoreError> {
                let row = sqlx::query_as(
                    "SELECT id, national_id, name, role, team, agency, active, created_ms \
                     FROM staff WHERE national_id = $1 AND active = TRUE",
                )
                .bind(national_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::store::casework::staff_row))
            }

            async fn staff_deactivate(&self, id: &str) -> Result<bool, $crate::store::StoreError> {
                let done =
                    sqlx::query("UPDATE staff SET active = FALSE WHERE id = $1 AND active = TRUE")
                        .bind(id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                Ok(done == 1)
            }

            async fn case_insert(
                &self,
                row: &$crate::store::CaseRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO cases (id, subject, worker, team, summary, status, opened_ms, \
                     updated_ms, signals) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&row.id)
                .bind(&row.subject)
                .bind(&row.worker)
                .bind(&row.team)
                .bind(&row.summary)
                .bind(&row.status)
                .bind(row.opened_ms)
                .bind(row.updated_ms)
                .bind(&row.signals)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn case_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::CaseRow>, $crate::store::StoreError> {
                let row = sqlx::query_as(
                    "SELECT id, subject, worker, team, summary, status, opened_ms, updated_ms, \
                     signals FROM cases WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::store::casework::case_row))
            }

            async fn cases_open_by_worker(
                &self,
                worker: &str,
            ) -> Result<Vec<$crate::store::CaseRow>, $crate::store::StoreError> {
                let rows = sqlx::query_as(
                    "SELECT id, subject, worker, team, summary, status, opened_ms, updated_ms, \
                     signals FROM cases WHERE worker = $1 AND status = 'open' ORDER BY opened_ms",
                )
                .bind(worker)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::store::casework::case_row).collect())
            }

            async fn cases_open_by_team(
                &self,
                team: &str,
            ) -> Result<Vec<$crate::store::CaseRow>, $crate::store::StoreError> {
                let rows = sqlx::query_as(
                    "SELECT id, subject, worker, team, summary, status, opened_ms, updated_ms, \
                     signals FROM cases WHERE team = $1 AND status = 'open' ORDER BY opened_ms",
                )
                .bind(team)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::store::casework::case_row).collect())
            }

            async fn case_set_signals(
                &self,
                id: &str,
                signals: &str,
                now_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done =
                    sqlx::query("UPDATE cases SET signals = $1, updated_ms = $2 WHERE id = $3")
                        .bind(signals)
                        .bind(now_ms)
                        .bind(id)
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                Ok(done == 1)
            }

            async fn case_close(
                &self,
                id: &str,
                now_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE cases SET status = 'closed', updated_ms = $1 \
                     WHERE id = $2 AND status = 'open'",
                )
                .bind(now_ms)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn case_note_insert(
                &self,
                row: &$crate::store::CaseNoteRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO case_notes (id, case_id, author, text, at_ms) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&row.id)
                .bind(&row.case_id)
                .bind(&row.author)
                .bind(&row.text)
                .bind(row.at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn case_notes(
                &self,
                case_id: &str,
            ) -> Result<Vec<$crate::store::CaseNoteRow>, $crate::store::StoreError> {
                let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT id, case_id, author, text, at_ms FROM case_notes \
                     WHERE case_id = $1 ORDER BY at_ms, id",
                )
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, case_id, author, text, at_ms)| $crate::store::CaseNoteRow {
                        id,
                        case_id,
                        author,
                        text,
                        at_ms,
                    })
                    .collect())
            }

            async fn referral_insert(
                &self,
                row: &$crate::store::ReferralRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO case_referrals (id, case_id, service_id, status, note, \
                     created_ms, updated_ms, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&row.id)
                .bind(&row.case_id)
                .bind(&row.service_id)
                .bind(&row.status)
                .bind(&row.note)
                .bind(row.created_ms)
                .bind(row.updated_ms)
                .bind(&row.updated_by)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn referrals(
                &self,
                case_id: &str,
            ) -> Result<Vec<$crate::store::ReferralRow>, $crate::store::StoreError> {
                let rows = sqlx::query_as(
                    "SELECT id, case_id, service_id, status, note, created_ms, updated_ms, \
                     updated_by FROM case_referrals WHERE case_id = $1 ORDER BY created_ms, id",
                )
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::store::casework::referral_row).collect())
            }

            async fn referral_get(
                &self,
                case_id: &str,
                id: &str,
            ) -> Result<Option<$crate::store::ReferralRow>, $crate::store::StoreError> {
                let row = sqlx::query_as(
                    "SELECT id, case_id, service_id, status, note, created_ms, updated_ms, \
                     updated_by FROM case_referrals WHERE case_id = $1 AND id = $2",
                )
                .bind(case_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::store::casework::referral_row))
            }

            async fn referral_move(
                &self,
                case_id: &str,
                id: &str,
                from: &str,
                to: &str,
                by: &str,
                now_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE case_referrals SET status = $1, updated_ms = $2, updated_by = $3 \
                     WHERE case_id = $4 AND id = $5 AND status = $6",
                )
                .bind(to)
                .bind(now_ms)
                .bind(by)
                .bind(case_id)
                .bind(id)
                .bind(from)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }
        }
    };
}
pub(super) use impl_casework_store;
