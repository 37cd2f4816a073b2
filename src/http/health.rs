//! `/healthz` says the process is up; `/readyz` says it can reach its store,
//! which is what a load balancer should route on.

use std::sync::Arc;

use axum::extract::State;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Problem;
use crate::store::Store;

pub fn router(store: Arc<dyn Store>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .with_state(store)
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Always `{\"status\": \"ok\"}`", body = Object, example = json!({"status": "ok"}))))]
async fn healthz() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

/// The store answers: route traffic here.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Object, example = json!({"status": "ready"})),
        (status = 503, description = "The database is not reachable"),
    ))]
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
