//! The embedded default: one SQLite file in write-ahead-log mode.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{
    Backend, StoreError, ceremony::impl_ceremony_store, sql::impl_sql_store,
    transfer::impl_transfer_store,
};

pub struct SqliteStore {
    pool: SqlitePool,
    /// One chain appender (or attempt reservation) at a time in this
    /// process. SQLite has one writer anyway, and its busy handler sleeps
    /// in steps of up to 100 ms, so queueing here is far faster than
    /// contending there. (A SQLite file has one server process; several
    /// servers use PostgreSQL.)
    chain_writer: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an audit entry that was acknowledged survives a power
            // cut, not only a crash of the process.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(folder) = options.get_filename().parent()
            && !folder.as_os_str().is_empty()
        {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::Folder {
                path: folder.display().to_string(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self {
            pool,
            chain_writer: tokio::sync::Mutex::new(()),
        })
    }

    async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.chain_writer.lock().await)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl_sql_store!(SqliteStore, Backend::Sqlite);
impl_ceremony_store!(SqliteStore);
impl_transfer_store!(SqliteStore);
super::attempts::impl_attempt_store!(SqliteStore);
super::catalog::impl_catalog_store!(SqliteStore);
super::catalog_review::impl_catalog_review_store!(SqliteStore);
super::conversation::impl_conversation_store!(SqliteStore);
super::casework_sql::impl_casework_store!(SqliteStore);
super::delegation::impl_delegation_store!(SqliteStore);
