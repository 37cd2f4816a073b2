//! The web pages: server-rendered HTML (minijinja templates from
//! `web/templates/`) with a little JavaScript that calls the JSON APIs,
//! everything embedded in the binary. Traditional Chinese first, English
//! by `?lang=en` (remembered in a cookie).
//!
//! - [`pages`]: the templates, the language, and rendering a page.
//! - [`guard`]: security headers on every response, and the anti-CSRF
//!   check on every state-changing request.
//! - [`assets`]: `/static/…`, the stylesheet and scripts.
//! - `staff`: the social worker's queue and case pages; `agency`: the
//!   agency clerk's service editor.

mod agency;
pub mod assets;
pub mod guard;
mod login;
mod me;
pub mod pages;
mod staff;

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::{Path, Problem, Query};
use pages::{LangChoice, Pages};

#[derive(Clone)]
pub struct WebApi {
    pub pages: Arc<Pages>,
    /// The platform's datasets as forms offer them, listed once at start.
    pub datasets: Arc<Vec<DatasetChoice>>,
}

/// A dataset as a form offers it: its agency's name in both languages (the
/// template picks one) and the login level it needs.
#[derive(Debug, serde::Serialize)]
pub struct DatasetChoice {
    id: String,
    agency: String,
    agency_zh: String,
    agency_en: String,
    level: &'static str,
}

impl DatasetChoice {
    pub fn all(registry: &crate::spec::DatasetRegistry) -> Vec<Self> {
        registry
            .datasets()
            .map(|dataset| {
                let agency = registry.provider(&dataset.provider);
                Self {
                    id: dataset.id.to_string(),
                    agency: dataset.provider.to_string(),
                    agency_zh: agency.map(|a| a.zh.clone()).unwrap_or_default(),
                    agency_en: agency.map(|a| a.en.clone()).unwrap_or_default(),
                    level: dataset.loa.as_str(),
                }
            })
            .collect()
    }
}

/// The pages are in the OpenAPI document too, as `text/html`.
pub fn router(api: WebApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(chat))
        .routes(routes!(consent))
        .routes(routes!(me::me))
        .routes(routes!(login::page))
        .routes(routes!(staff::queue))
        .routes(routes!(staff::case))
        .routes(routes!(agency::page))
        .routes(routes!(assets::serve))
        .with_state(api)
}

#[utoipa::path(get, path = "/", tag = "pages",
    params(("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "The assistant's chat page", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
async fn chat(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
) -> Result<Response, Problem> {
    api.pages
        .render("chat.html", &headers, &choice, minijinja::context! {})
}

#[utoipa::path(get, path = "/consent/{id}", tag = "pages",
    params(("id" = String, Path, description = "The authorization request"), ("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "The consent screens for an authorization request", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
async fn consent(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    api.pages.render(
        "consent.html",
        &headers,
        &choice,
        minijinja::context! { request_id => id },
    )
}
