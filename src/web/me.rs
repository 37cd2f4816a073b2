//! `/me`: the citizen's own page — their trail, their consents (revoke,
//! download the receipt) and counter tickets. The shell is rendered here;
//! `web/static/me.js` fills it from `/api/me/…` once the citizen is logged
//! in, so nothing personal is ever in the HTML.
//!
//! The page lists the platform's datasets (for the ticket form, and to
//! name each dataset's agency in the trail filter), from [`WebApi`].

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::WebApi;
use super::pages::LangChoice;
use crate::http::{Problem, Query};

#[utoipa::path(get, path = "/me", tag = "pages",
    params(("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "The citizen's own page: consents, trail, records", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
pub(super) async fn me(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
) -> Result<Response, Problem> {
    api.pages.render(
        "me.html",
        &headers,
        &choice,
        minijinja::context! { datasets => minijinja::value::Serde(&*api.datasets) },
    )
}
