//! The social worker's pages: `/staff`, the queue and a form to open a
//! case, and `/cases/{id}`, one case. Both sign the worker in first
//! (knowledge factors, then an authenticator code up to `substantial`);
//! everything after is the casework JSON API called from `staff.js` and
//! `case.js`, so no case data is ever in the HTML. `/cases/{id}` is also
//! where the platform sends a citizen back after delegating consent
//! (`?consent=granted`).
//!
//! The case page offers the platform's datasets for the consent request;
//! no route lists them, so they come from the embedded dataset registry.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::WebApi;
use super::pages::LangChoice;
use crate::http::{Path, Problem, Query};

#[utoipa::path(get, path = "/staff", tag = "pages",
    params(("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "The social worker's queue", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
pub(super) async fn queue(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
) -> Result<Response, Problem> {
    api.pages
        .render("staff.html", &headers, &choice, minijinja::context! {})
}

#[utoipa::path(get, path = "/cases/{id}", tag = "pages",
    params(("id" = String, Path, description = "The case id"), ("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "One case", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
pub(super) async fn case(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    api.pages.render(
        "case.html",
        &headers,
        &choice,
        minijinja::context! {
            case_id => id,
            datasets => minijinja::Value::from(minijinja::value::Serde(&*api.datasets)),
        },
    )
}
