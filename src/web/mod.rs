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

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::http::{Path, Problem, Query};
use pages::{LangChoice, Pages};

#[derive(Clone)]
pub struct WebApi {
    pub pages: Arc<Pages>,
}

pub fn router(api: WebApi) -> Router {
    Router::new()
        .route("/", get(chat))
        .route("/consent/{id}", get(consent))
        .route("/me", get(me::me))
        .route("/login", get(login::page))
        .route("/staff", get(staff::queue))
        .route("/cases/{id}", get(staff::case))
        .route("/agency", get(agency::page))
        .route("/static/{file}", get(assets::serve))
        .with_state(api)
}

async fn chat(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
) -> Result<Response, Problem> {
    api.pages
        .render("chat.html", &headers, &choice, minijinja::context! {})
}

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
