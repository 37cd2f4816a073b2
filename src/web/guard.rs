//! What every response and every state-changing request passes through.
//!
//! Headers: a Content-Security-Policy that allows only this origin's own
//! scripts and styles (no inline script, no framing), `nosniff`, no
//! referrer leaving the site; `Cache-Control: no-store` on every response
//! that does not set its own (pages and API answers carry personal data;
//! the static files say `no-cache`), and HSTS when the public origin is
//! https.
//!
//! Cross-site request forgery: the session cookie is `SameSite=Strict`
//! already; on top, a state-changing request a browser marks as
//! cross-site (`Sec-Fetch-Site`) is refused, and one that carries a body a
//! plain HTML form could send (form-encoded, multipart, text) or an
//! `x-csrf-token` header must carry the page's token, which matches the
//! `navigator_csrf` cookie (double submit). Our pages' scripts always send
//! it. JSON bodies from elsewhere cannot be sent cross-site without a CORS
//! preflight, which this server never grants.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, STRICT_TRANSPORT_SECURITY};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::Problem;

pub const CSRF_COOKIE: &str = "navigator_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Tokens are 64 hex digits ([`crate::secrets::random_token`]).
pub fn is_token(raw: &str) -> bool {
    raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cookie holding a page's anti-CSRF token. Script cannot read it
/// (the page carries the token in a meta tag); it rides only same-site.
pub fn csrf_cookie(token: &str) -> String {
    format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict")
}

/// Bodies an HTML form can send without a preflight.
fn form_like(request: &Request) -> bool {
    let Some(kind) = request.headers().get(CONTENT_TYPE) else {
        return false;
    };
    let kind = kind.to_str().unwrap_or("").to_ascii_lowercase();
    kind.starts_with("application/x-www-form-urlencoded")
        || kind.starts_with("multipart/form-data")
        || kind.starts_with("text/plain")
}

fn forgery(detail: &str) -> Response {
    Problem::forbidden(detail)
        .typed("/problems/csrf", "Request refused as possibly forged")
        .into_response()
}

/// The anti-CSRF check, for every route.
pub async fn refuse_forgeries(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe {
        return next.run(request).await;
    }
    let site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if site == Some("cross-site") {
        return forgery("a request from another site cannot change anything here");
    }
    // The OAuth endpoints are called by service providers' servers with
    // form bodies; they authenticate by client assertion, not cookies.
    let path = request.uri().path();
    let server_to_server = path.starts_with("/oauth/");
    let header = request
        .headers()
        .get(CSRF_HEADER)
        .map(|v| v.to_str().unwrap_or(""));
    let needs_token = header.is_some() || (form_like(&request) && !server_to_server);
    if needs_token {
        let matches = match (header, crate::http::cookie(request.headers(), CSRF_COOKIE)) {
            (Some(sent), Some(kept)) => is_token(sent) && crate::secrets::same_secret(sent, kept),
            _ => false,
        };
        if !matches {
            return forgery("the page's anti-forgery token is missing or wrong; reload the page");
        }
    }
    next.run(request).await
}

/// Security headers on every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A year, subdomains included: what browsers' preload lists ask for.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Nothing a handler did not mark cacheable is kept by a browser or a
/// proxy (records, trails, tickets, conversations); with `https`, browsers
/// are told to come back over https only.
pub async fn private_by_default(
    State(https): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}
