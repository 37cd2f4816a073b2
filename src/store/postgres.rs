//! PostgreSQL, for several `navigator serve` instances sharing one store.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::{
    Backend, StoreError, ceremony::impl_ceremony_store, sql::impl_sql_store,
    transfer::impl_transfer_store,
};

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// PostgreSQL queues chain appenders on the head row's lock itself.
    async fn writer(&self) -> Option<()> {
        None
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl_sql_store!(PgStore, Backend::Postgres);
impl_ceremony_store!(PgStore);
impl_transfer_store!(PgStore);
super::attempts::impl_attempt_store!(PgStore);
super::catalog::impl_catalog_store!(PgStore);
super::catalog_review::impl_catalog_review_store!(PgStore);
super::conversation::impl_conversation_store!(PgStore);
super::casework_sql::impl_casework_store!(PgStore);
super::delegation::impl_delegation_store!(PgStore);
