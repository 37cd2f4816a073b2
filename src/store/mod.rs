//! Persistence behind one trait, so that the platform runs on an embedded
//! SQLite file by default and on PostgreSQL when `DATABASE_URL` says so. Both
//! implementations run the same SQL text (`$1` placeholders work in both) from
//! [`sql`]; only connection set-up and the migration folders differ.

mod attempts;
mod casework;
mod casework_sql;
mod catalog;
mod catalog_review;
mod ceremony;
mod conversation;
mod delegation;
mod postgres;
mod sql;
mod sqlite;
mod transfer;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

use crate::audit::{ChainPoint, Entry, NewEntry, PurgeReport};

pub use attempts::{AttemptStore, Budget, Reserved};
pub use casework::{CaseNoteRow, CaseRow, CaseworkStore, ReferralRow, StaffRow};
pub use catalog::{AgencyCredential, CatalogRow, CatalogStore};
pub use catalog_review::{CatalogReviewStore, ProposalRow};
pub use ceremony::{CeremonyStore, ChallengeRow, PasskeyRow};
pub use conversation::{
    Appended, ConversationCap, ConversationRecordRow, ConversationRow, ConversationStore, TurnRow,
};
pub use delegation::{DelegationRow, DelegationStore};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use transfer::{
    AccessTokenRow, AuthRequestRow, CloudPackageRow, ConsentRow, CounterTicketRow,
    ServiceProviderRow, TransferStore,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL scheme in {0:?}: use sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A download as a reference provider records it in its own log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Download {
    pub agency: String,
    pub at_ms: i64,
    pub requester: String,
    pub subject: Option<String>,
    pub dataset: Option<String>,
    pub purpose: String,
    pub outcome: String,
}

/// A citizen's session as stored: the token itself never is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub subject: String,
    /// `low`, `substantial` or `high`.
    pub level: String,
    pub level_at_ms: i64,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub expires_ms: i64,
}

/// A citizen's authenticator-app credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRow {
    pub subject: String,
    /// The base32 secret, sealed under the credential key
    /// ([`crate::sealing`]).
    pub secret: String,
    pub confirmed: bool,
    /// The last time step whose code was accepted.
    pub last_step: i64,
    pub created_ms: i64,
}

#[async_trait]
pub trait Store:
    AttemptStore
    + CaseworkStore
    + CatalogStore
    + CatalogReviewStore
    + CeremonyStore
    + ConversationStore
    + DelegationStore
    + TransferStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    async fn ping(&self) -> Result<(), StoreError>;

    /// Appends one entry at the chain's head, atomically with moving the head.
    async fn audit_append(&self, at_ms: i64, entry: &NewEntry) -> Result<Entry, StoreError>;

    /// Entries with `seq > after_seq`, ascending, at most `limit`.
    async fn audit_page(&self, after_seq: i64, limit: i64) -> Result<Vec<Entry>, StoreError>;

    async fn audit_head(&self) -> Result<ChainPoint, StoreError>;

    async fn audit_checkpoint(&self) -> Result<ChainPoint, StoreError>;

    /// One subject's entries, newest first.
    async fn audit_trail(&self, subject: &str, limit: i64) -> Result<Vec<Entry>, StoreError>;

    /// Entries one actor (a service provider, say) caused, newest first.
    async fn audit_by_actor(&self, actor: &str, limit: i64) -> Result<Vec<Entry>, StoreError>;

    /// Removes the oldest entries written before `before_ms` and moves the
    /// checkpoint to the last one removed.
    async fn audit_purge(&self, before_ms: i64) -> Result<PurgeReport, StoreError>;

    /// Records a provider token's id; `false` when it was already used.
    async fn provider_claim_token(
        &self,
        agency: &str,
        jti: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    async fn provider_log_download(&self, download: &Download) -> Result<(), StoreError>;

    async fn session_insert(&self, session: &SessionRow) -> Result<(), StoreError>;

    async fn session_get(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError>;

    async fn session_touch(&self, token_hash: &str, last_seen_ms: i64) -> Result<(), StoreError>;

    async fn session_delete(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Records a stronger level reached within the session and moves it to
    /// a new token; `false` when the session no longer exists.
    async fn session_raise(
        &self,
        token_hash: &str,
        new_token_hash: &str,
        level: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError>;

    async fn totp_get(&self, subject: &str) -> Result<Option<TotpRow>, StoreError>;

    /// Inserts the citizen's credential, or replaces one not yet confirmed;
    /// `false` (and nothing written) when a confirmed one is there: one
    /// conditional write, so no race replaces a bound authenticator.
    async fn totp_put(&self, row: &TotpRow) -> Result<bool, StoreError>;

    /// Accepts time step `step` once: `false` when it (or a later one) was
    /// already used. Confirms the credential on first use.
    async fn totp_use_step(&self, subject: &str, step: i64) -> Result<bool, StoreError>;

    /// A provider's downloads, newest first.
    async fn provider_downloads(
        &self,
        agency: &str,
        limit: i64,
    ) -> Result<Vec<Download>, StoreError>;
}

/// Opens the store a URL names and brings its schema up to date.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// A URL fit for an error message: no password.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://…{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}
