//! `/login`: the citizen logs in and steps up, factor by factor — the
//! knowledge factors (`low`), then an authenticator-app code or a passkey
//! (`substantial`), or the citizen digital certificate (`high`). An
//! authenticator app or passkey is set up here too, from a session at
//! `substantial` or above (the identity API refuses it below, so a first
//! one follows a card login). The shell is rendered here;
//! `web/static/login.js` calls the identity APIs.
//!
//! `?next=/path` names where to go once logged in. Only a path on this
//! site is kept (one leading `/`, no scheme, no `//` or `/\`), so the page
//! can never be used to send a citizen elsewhere.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::WebApi;
use super::pages::LangChoice;
use crate::http::{Problem, Query};

#[derive(Debug, Default, Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

/// `next` when it is a path on this site, else nothing.
fn same_origin_path(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let safe = !rest.starts_with('/')
        && !rest.starts_with('\\')
        && !next.chars().any(|c| c.is_control() || c == '\\');
    safe.then_some(next)
}

#[utoipa::path(get, path = "/login", tag = "pages",
    params(("next" = Option<String>, Query, description = "A path on this site to go on to after login"), ("lang" = Option<String>, Query, description = "`zh-TW` (default) or `en`; remembered in a cookie")),
    responses(
        (status = 200, description = "The login page for every level", content_type = "text/html"),
        (status = 400, description = "A malformed query"),
    ))]
pub(super) async fn page(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
    Query(next): Query<Next>,
) -> Result<Response, Problem> {
    let next = next
        .next
        .as_deref()
        .and_then(same_origin_path)
        .unwrap_or("");
    api.pages.render(
        "login.html",
        &headers,
        &choice,
        minijinja::context! { next => next },
    )
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_paths_on_this_site_are_kept() {
        assert_eq!(same_origin_path("/me"), Some("/me"));
        assert_eq!(same_origin_path("/"), Some("/"));
        assert_eq!(
            same_origin_path("/consent/abc?x=1"),
            Some("/consent/abc?x=1")
        );
        for bad in [
            "",
            "me",
            "//evil.example/",
            "/\\evil.example",
            "/ok\\..",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a\nb",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
        }
    }
}
