//! `POST /oauth/token`: exchanges a code for an access token.
//!
//! The client authenticates with `private_key_jwt` (RFC 7523): a JWT signed
//! with the key it registered, `iss` = `sub` = its id, `aud` this issuer or
//! the token endpoint, expiring within five minutes, its `jti` used once.
//! The code must be unexpired and unused, issued to this client for this
//! redirect URI, and the PKCE verifier must hash to the challenge. A
//! standing consent also yields a refresh token: each use is a new,
//! audited transfer, and rotates it. Errors follow RFC 6749 §5.2.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use compact_jwt::{JwsCompact, JwsVerifier};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{TOKEN_TTL_MS, TransferApi};
use crate::clock;
use crate::secrets::digest;
use crate::services::{ServiceProvider, client_verifier};
use crate::store::AccessTokenRow;

pub(super) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const MAX_ASSERTION_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// A token request (RFC 6749 §4.1.3 and §6), the client authenticated
/// by `private_key_jwt` (RFC 7523).
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
    refresh_token: Option<String>,
}

pub(super) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    pub(super) description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error at the token endpoint");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "something went wrong on our side; it has been logged".into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            axum::Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    aud: serde_json::Value,
    exp: i64,
    jti: String,
}

/// The client, authenticated by its signed assertion.
pub(super) async fn authenticate(
    api: &TransferApi,
    client_id: Option<&str>,
    assertion_type: Option<&str>,
    assertion: Option<&str>,
) -> Result<ServiceProvider, OAuthError> {
    let invalid = |why: &str| OAuthError::new("invalid_client", why);
    if assertion_type != Some(ASSERTION_TYPE) {
        return Err(invalid("authenticate with private_key_jwt"));
    }
    let (Some(client_id), Some(assertion)) = (client_id, assertion) else {
        return Err(invalid("client_id and client_assertion are required"));
    };
    let provider = api
        .services
        .active(client_id)
        .await
        .map_err(|e| OAuthError::internal(&e))?
        .ok_or_else(|| invalid("there is no active service provider with this client_id"))?;
    let verifier =
        client_verifier(&provider.registration.client_jwk).map_err(|e| OAuthError::internal(&e))?;
    let compact: JwsCompact = assertion
        .parse()
        .map_err(|_| invalid("the assertion is not a JWS"))?;
    let claims: AssertionClaims = verifier
        .verify(&compact)
        .map_err(|_| invalid("the assertion's signature does not verify"))?
        .from_json()
        .map_err(|_| invalid("the assertion lacks iss, sub, aud, exp or jti"))?;
    let audiences: Vec<&str> = match &claims.aud {
        serde_json::Value::String(one) => vec![one.as_str()],
        serde_json::Value::Array(many) => many.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    let token_endpoint = api.endpoint("/oauth/token");
    let now = clock::now_ms();
    let exp_ms = claims.exp.saturating_mul(1000);
    if claims.iss != *client_id || claims.sub != *client_id {
        return Err(invalid("the assertion's iss and sub must be the client_id"));
    }
    if !audiences
        .iter()
        .any(|a| *a == &*api.issuer || *a == token_endpoint)
    {
        return Err(invalid(
            "the assertion's aud must be this issuer or its token endpoint",
        ));
    }
    if exp_ms <= now || exp_ms > now + MAX_ASSERTION_LIFETIME_MS {
        return Err(invalid(
            "the assertion is expired, or lives longer than five minutes",
        ));
    }
    let fresh = api
        .store
        .provider_claim_token(&format!("client:{client_id}"), &claims.jti, exp_ms, now)
        .await
        .map_err(|e| OAuthError::internal(&e))?;
    if !fresh {
        return Err(invalid("this assertion was used already"));
    }
    Ok(provider)
}

fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed
        && crate::secrets::same_secret(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        )
}

/// An access token (RFC 6749 §5.1).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct IssuedAccessToken {
    access_token: String,
    token_type: String,
    expires_in: i64,
    /// For a standing consent; rotated on each use.
    refresh_token: Option<String>,
}

/// Exchanges a code (or a refresh token) for an access token.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The access token", body = IssuedAccessToken),
        (status = 400, description = "A bad request or grant (RFC 6749 §5.2)", body = super::OAuthErrorBody),
        (status = 401, description = "The client assertion does not authenticate", body = super::OAuthErrorBody),
        (status = 500, description = "Our fault, logged", body = super::OAuthErrorBody),
    ))]
pub(super) async fn token(
    State(api): State<TransferApi>,
    form: Result<axum::Form<TokenRequest>, FormRejection>,
) -> Result<Response, OAuthError> {
    let axum::Form(request) =
        form.map_err(|e| OAuthError::new("invalid_request", e.body_text()))?;
    let provider = authenticate(
        &api,
        request.client_id.as_deref(),
        request.client_assertion_type.as_deref(),
        request.client_assertion.as_deref(),
    )
    .await?;
    match request.grant_type.as_deref() {
        Some("authorization_code") => redeem_code(&api, &provider, &request).await,
        Some("refresh_token") => refresh(&api, &provider, &request).await,
        _ => Err(OAuthError::new(
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        )),
    }
}

async fn redeem_code(
    api: &TransferApi,
    provider: &ServiceProvider,
    request: &TokenRequest,
) -> Result<Response, OAuthError> {
    let grant = |why: &str| OAuthError::new("invalid_grant", why);
    let code = request
        .code
        .as_deref()
        .ok_or_else(|| grant("code is missing"))?;
    // Taken, not read: a code works once, even if this request then fails.
    let (request_id, consent_id, expires_ms) = api
        .store
        .code_take(&digest(code))
        .await
        .map_err(|e| OAuthError::internal(&e))?
        .ok_or_else(|| grant("the code is unknown or was used already"))?;
    let now = clock::now_ms();
    if expires_ms <= now {
        return Err(grant("the code has expired"));
    }
    let authorization = api
        .store
        .auth_request_get(&request_id)
        .await
        .map_err(|e| OAuthError::internal(&e))?
        .ok_or_else(|| grant("the request behind this code is gone"))?;
    if authorization.client_id != provider.registration.id {
        return Err(grant("the code was issued to another client"));
    }
    if request.redirect_uri.as_deref() != Some(authorization.redirect_uri.as_str()) {
        return Err(grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    let verifier = request.code_verifier.as_deref().unwrap_or("");
    if !pkce_matches(verifier, &authorization.code_challenge) {
        return Err(grant("the PKCE code_verifier does not match the challenge"));
    }
    let package_id = authorization
        .package_id
        .ok_or_else(|| grant("nothing was downloaded for this request"))?;
    let consent = api
        .store
        .consent_get(&consent_id)
        .await
        .map_err(|e| OAuthError::internal(&e))?
        .ok_or_else(|| grant("the consent behind this code is gone"))?;
    let refresh = if consent.standing {
        let refresh = crate::secrets::random_token();
        api.store
            .consent_rotate_refresh(&consent.id, None, &digest(&refresh))
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        Some(refresh)
    } else {
        None
    };
    issue(api, provider, &consent.id, package_id, refresh).await
}

/// A standing consent's next transfer: the records are fetched afresh
/// (and audited) into a new package, and the refresh token rotates.
async fn refresh(
    api: &TransferApi,
    provider: &ServiceProvider,
    request: &TokenRequest,
) -> Result<Response, OAuthError> {
    let grant = |why: &str| OAuthError::new("invalid_grant", why);
    let presented = digest(request.refresh_token.as_deref().unwrap_or(""));
    let now = clock::now_ms();
    let consent = api
        .store
        .consent_by_refresh(&presented)
        .await
        .map_err(|e| OAuthError::internal(&e))?
        .filter(|c| c.client_id == provider.registration.id)
        .ok_or_else(|| grant("the refresh token is unknown or was rotated"))?;
    if consent.revoked_ms.is_some() || consent.expires_ms <= now {
        return Err(grant("the consent has been withdrawn or has ended"));
    }
    let next = crate::secrets::random_token();
    let rotated = api
        .store
        .consent_rotate_refresh(&consent.id, Some(&presented), &digest(&next))
        .await
        .map_err(|e| OAuthError::internal(&e))?;
    if !rotated {
        return Err(grant("the refresh token is unknown or was rotated"));
    }
    let subject =
        crate::ids::NationalId::parse(&consent.subject).map_err(|e| OAuthError::internal(&e))?;
    let scope: super::Scope =
        serde_json::from_str(&consent.scope).map_err(|e| OAuthError::internal(&e))?;
    let chosen: Vec<_> = scope.keys().cloned().collect();
    let gathered = super::cloud::fetch(api, &subject, provider, &consent.id, &chosen, &scope)
        .await
        .map_err(|problem| OAuthError {
            status: problem.status,
            error: "temporarily_unavailable",
            description: problem.detail.unwrap_or_default(),
        })?;
    api.audit
        .append(crate::audit::NewEntry {
            event: "consent.refresh".into(),
            actor: provider.registration.id.clone(),
            subject: Some(consent.subject.clone()),
            dataset: None,
            purpose: provider.registration.purpose.en.clone(),
            outcome: crate::audit::Outcome::Success.as_str().into(),
            detail: format!("a new transfer under standing consent {}", consent.id),
        })
        .await
        .map_err(|e| OAuthError::internal(&e))?;
    issue(api, provider, &consent.id, gathered.package_id, Some(next)).await
}

async fn issue(
    api: &TransferApi,
    provider: &ServiceProvider,
    consent_id: &str,
    package_id: String,
    refresh_token: Option<String>,
) -> Result<Response, OAuthError> {
    let token = crate::secrets::random_token();
    api.store
        .token_insert(&AccessTokenRow {
            token_hash: digest(&token),
            consent_id: consent_id.to_owned(),
            client_id: provider.registration.id.clone(),
            package_id,
            expires_ms: clock::now_ms() + TOKEN_TTL_MS,
            used_ms: None,
        })
        .await
        .map_err(|e| OAuthError::internal(&e))?;
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_MS / 1000,
    });
    if let Some(refresh_token) = refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response())
}
