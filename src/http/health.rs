//! `/healthz` says the process is up; `/readyz` says it can answer, which
//! is what a load balancer should route on: the store is reachable and
//! every [`Readiness`] part (the recommender built, the embedding workers
//! not saturated) can take a question.

use std::sync::Arc;

use axum::extract::State;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Problem;
use crate::store::Store;

/// A part of the server that cannot always answer.
pub trait Readiness: Send + Sync {
    /// Why it cannot answer now; `None` when it can.
    fn unready(&self) -> Option<&'static str>;
}

/// How soon a load balancer may ask again after a not-ready answer.
const RETRY_SECS: u64 = 5;

#[derive(Clone)]
struct Health {
    store: Arc<dyn Store>,
    parts: Arc<Vec<Arc<dyn Readiness>>>,
}

pub fn router(store: Arc<dyn Store>, parts: Vec<Arc<dyn Readiness>>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .with_state(Health {
            store,
            parts: Arc::new(parts),
        })
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Always `{\"status\": \"ok\"}`", body = Object, example = json!({"status": "ok"}))))]
async fn healthz() -> axum::Json<Value> {
    axum::Json(json!({ "status": "ok" }))
}

/// The store answers and so do the recommender and the embedding
/// workers: route traffic here.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Object, example = json!({"status": "ready"})),
        (status = 503, description = "Not ready: the database is not reachable, the recommender is still being built, or too many questions are waiting"),
    ))]
async fn readyz(State(health): State<Health>) -> Result<axum::Json<Value>, Problem> {
    if let Err(error) = health.store.ping().await {
        tracing::warn!(%error, "store not reachable");
        return Err(
            Problem::service_unavailable("the database is not reachable").retry_after(RETRY_SECS),
        );
    }
    if let Some(reason) = health.parts.iter().find_map(|part| part.unready()) {
        return Err(Problem::service_unavailable(reason).retry_after(RETRY_SECS));
    }
    Ok(axum::Json(json!({ "status": "ready" })))
}
