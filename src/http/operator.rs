//! Operator authentication: a bearer token for the platform's own staff,
//! needed for what no citizen session covers yet (direct broker fetches,
//! reading any trail). As an extractor, a handler's signature shows it.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::Problem;

#[derive(Clone)]
pub struct OperatorToken(Arc<SecretString>);

impl OperatorToken {
    pub fn new(token: SecretString) -> Self {
        Self(Arc::new(token))
    }

    /// Compares digests so that the time taken says nothing about the token.
    fn matches(&self, presented: &str) -> bool {
        let expected = Sha256::digest(self.0.expose_secret().as_bytes());
        let given = Sha256::digest(presented.as_bytes());
        expected
            .iter()
            .zip(given.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
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
