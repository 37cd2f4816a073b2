//! The agency clerk's page, `/agency`: their services, edited as YAML or
//! JSON with the catalogue's own checks run as they type (`POST
//! /api/catalog/validate`), each problem shown at its condition, the rule
//! tests' results, and publishing only a valid service. The clerk works
//! with the agency token an operator issued, which `agency.js` keeps in
//! the tab's session storage and sends as a bearer token.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::WebApi;
use super::pages::LangChoice;
use crate::http::{Problem, Query};

#[utoipa::path(get, path = "/agency", tag = "pages",
    params(("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "The agency clerk's service editor", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
pub(super) async fn page(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
) -> Result<Response, Problem> {
    api.pages
        .render("agency.html", &headers, &choice, minijinja::context! {})
}
