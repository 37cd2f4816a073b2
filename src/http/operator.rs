//! Operator authentication: a bearer token for the platform's own staff,
//! needed for what no citizen session covers yet (direct broker fetches,
//! reading any trail). As an extractor, a handler's signature shows it.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use secrecy::{ExposeSecret, SecretString};

use super::Problem;

#[derive(Clone)]
pub struct OperatorToken(Arc<SecretString>);

impl OperatorToken {
    pub fn new(token: SecretString) -> Self {
        Self(Arc::new(token))
    }

    fn matches(&self, presented: &str) -> bool {
        crate::secrets::same_secret(self.0.expose_secret(), presented)
    }
}

/// Proof that the request came from an operator.
pub struct Operator;

impl<S> FromRequestParts<S> for Operator
where
    OperatorToken: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = OperatorToken::from_ref(state);
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| Problem::unauthorized("an operator bearer token is required"))?;
        if token.matches(presented) {
            Ok(Operator)
        } else {
            Err(Problem::unauthorized("the operator token is not valid"))
        }
    }
}
