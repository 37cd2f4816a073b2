//! Authorization-server metadata (RFC 8414) and the platform's public keys.

use axum::extract::State;
use serde_json::{Value, json};

use super::TransferApi;

/// Authorization-server metadata (RFC 8414).
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "The endpoints, and the methods and algorithms they support", body = Object)))]
pub(super) async fn metadata(State(api): State<TransferApi>) -> axum::Json<Value> {
    axum::Json(json!({
        "issuer": &*api.issuer,
        "authorization_endpoint": api.endpoint("/oauth/authorize"),
        "token_endpoint": api.endpoint("/oauth/token"),
        "pushed_authorization_request_endpoint": api.endpoint("/oauth/par"),
        "jwks_uri": api.endpoint("/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
        "package_endpoint": api.endpoint("/api/transfer/package"),
        "package_encryption_alg_values_supported": ["ECDH-ES+A256KW"],
        "package_encryption_enc_values_supported": ["A256GCM"],
        "package_signing_alg_values_supported": ["ES256"],
    }))
}

/// The platform's public keys: packages and receipts are signed with them.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "oauth",
    responses((status = 200, description = "A JWK set (RFC 7517)", body = Object)))]
pub(super) async fn jwks(State(api): State<TransferApi>) -> axum::Json<compact_jwt::JwkKeySet> {
    axum::Json(api.platform_key.jwks().clone())
}
