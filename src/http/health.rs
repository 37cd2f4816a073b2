//! `/healthz` says the process is up; `/readyz` says it can reach its store,
//! which is what a load balancer should route on.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};

use super::Problem;
use crate::store::Store;

pub fn router(store: Arc<dyn Store>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(store)
}

async fn healthz() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

async fn readyz(State(store): State<Arc<dyn Store>>) -> Result<axum::Json<Value>, Problem> {
    match store.ping().await {
        Ok(()) => Ok(axum::Json(json!({ "status": "ready" }))),
        Err(error) => {
            tracing::warn!(%error, "store not reachable");
            Err(Problem::service_unavailable(
                "the database is not reachable",
            ))
        }
    }
}
