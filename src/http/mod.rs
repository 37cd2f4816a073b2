//! HTTP plumbing shared by every part of the platform: RFC 9457 problem
//! responses, extractors whose rejections are problems too, the client's
//! address behind trusted proxies, health checks, operator authentication,
//! the request-tracing layer, and the server loop with its connection
//! timeouts and cap.

mod client_address;
mod extract;
mod health;
mod idle;
mod operator;
mod problem;
mod server;

pub use client_address::{Cidr, ClientAddress, TrustedProxies};
pub use extract::{Body, Json, Path, Query};
pub use health::{Readiness, router as health_router};
pub use operator::{Operator, OperatorToken};
pub use problem::Problem;
pub use server::serve;

use axum::extract::MatchedPath;
use axum::http::Request;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Request spans name the route template, never the raw path: paths carry
/// national ID numbers, which do not belong in logs.
pub fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request<axum::body::Body>) -> Span + Clone,
> {
    TraceLayer::new_for_http().make_span_with(|request: &Request<axum::body::Body>| {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str);
        tracing::info_span!("request", method = %request.method(), route)
    })
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A 303 to `location` (a problem if it cannot be a header).
pub fn see_other(location: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    match axum::http::HeaderValue::from_str(location) {
        Ok(value) => (
            axum::http::StatusCode::SEE_OTHER,
            [(axum::http::header::LOCATION, value)],
        )
            .into_response(),
        Err(e) => Problem::internal(&e).into_response(),
    }
}

/// Answers any path no router claims with a problem, not an empty 404.
pub async fn not_found() -> Problem {
    Problem::not_found("there is nothing at this address")
}
