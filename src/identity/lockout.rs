//! Lockout after repeated failures: five failed logins within fifteen
//! minutes, counted per citizen and per client address, lock that citizen
//! or address for the rest of the window. Counted in the database, so every
//! instance sees the same count.

use std::net::IpAddr;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::clock;
use crate::http::Problem;
use crate::ids::NationalId;
use crate::store::{Store, StoreError};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// The counters one attempt touches.
pub fn keys(subject: &NationalId, address: IpAddr) -> [String; 2] {
    [format!("subject:{subject}"), format!("address:{address}")]
}

pub async fn locked(store: &dyn Store, keys: &[String]) -> Result<bool, StoreError> {
    reached(store, keys, WINDOW_MS, MAX_FAILURES).await
}

/// Whether any key has `max` failures within the last `window_ms`: the
/// counting every lockout shares (logins here, counter tickets in
/// [`crate::transfer`]).
pub async fn reached(
    store: &dyn Store,
    keys: &[String],
    window_ms: i64,
    max: i64,
) -> Result<bool, StoreError> {
    let since = clock::now_ms() - window_ms;
    for key in keys {
        if store.auth_failures_since(key, since).await? >= max {
            return Ok(true);
        }
    }
    Ok(false)
}

pub async fn fail(store: &dyn Store, keys: &[String]) -> Result<(), StoreError> {
    store.auth_failure_record(keys, clock::now_ms()).await
}

/// A success forgives the citizen's failures, not the address's.
pub async fn succeed(store: &dyn Store, subject_key: &str) -> Result<(), StoreError> {
    store.auth_failures_clear(subject_key).await
}

/// The answer while locked out: 429, and when to try again.
pub fn refusal() -> Response {
    let mut response = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too many failed attempts; try again in 15 minutes",
    )
    .into_response();
    let retry = (WINDOW_MS / 1000).to_string();
    if let Ok(value) = HeaderValue::from_str(&retry) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}
