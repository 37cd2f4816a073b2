//! Consent and transfer: a service provider asks (OAuth 2.0 authorization
//! code with PKCE S256), the citizen is asked twice — first to download
//! the chosen records into their personal cloud, then to send them — and
//! the provider fetches one signed, encrypted package per transfer.
//!
//! - [`authorize`]: `/oauth/authorize`, checks the request and hands the
//!   citizen to the consent screens.
//! - [`consent`]: the citizen's two confirmations, denial, and consents.
//! - [`token`]: `/oauth/token`, client authentication by `private_key_jwt`.
//! - [`package`]: the package: JWS by the platform, JWE to the provider.
//! - [`metadata`]: RFC 8414 metadata and the platform's JWKS.

mod authorize;
mod cloud;
pub(crate) mod consent;
mod consents;
pub(crate) mod counter;
mod keys;
mod metadata;
mod package;
mod receipt;
mod scope;
mod token;

use std::sync::Arc;

use axum::extract::FromRef;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use keys::{PlatformKey, PlatformKeyError};
pub use scope::Scope;

use crate::audit::{AuditLog, NewEntry};
use crate::broker::Broker;
use crate::http::Problem;
use crate::identity::Sessions;
use crate::sealing::CredentialKey;
use crate::services::ServiceDirectory;
use crate::services::ServiceProvider;
use crate::store::Store;

/// How long an authorization request waits for the citizen.
const REQUEST_TTL_MS: i64 = 10 * 60 * 1000;
/// Authorization codes live at most a minute.
const CODE_TTL_MS: i64 = 60 * 1000;
/// Access tokens are short-lived.
const TOKEN_TTL_MS: i64 = 5 * 60 * 1000;
/// Records wait in the personal cloud this long at most.
const CLOUD_TTL_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone, FromRef)]
pub struct TransferApi {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) sessions: Sessions,
    pub(crate) broker: Broker,
    pub(crate) audit: AuditLog,
    pub(crate) services: ServiceDirectory,
    pub(crate) platform_key: Arc<PlatformKey>,
    pub(crate) cloud_key: Arc<CredentialKey>,
    /// This platform's issuer identifier (its public origin).
    pub(crate) issuer: Arc<str>,
}

impl TransferApi {
    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The provider if it is active; every step refuses one that is not.
    async fn active_provider(&self, id: &str) -> Result<ServiceProvider, Problem> {
        self.services
            .active(id)
            .await
            .map_err(|e| Problem::internal(&e))?
            .ok_or_else(|| Problem::forbidden("this service provider is not active"))
    }

    /// One step of a flow in the audit log (and the citizen's trail).
    async fn record(&self, entry: NewEntry) -> Result<(), Problem> {
        self.audit
            .append(entry)
            .await
            .map(|_| ())
            .map_err(|e| Problem::internal(&e))
    }
}

pub fn router(api: TransferApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(metadata::metadata))
        .routes(routes!(metadata::jwks))
        .routes(routes!(authorize::authorize))
        .routes(routes!(authorize::push))
        .routes(routes!(token::token))
        .routes(routes!(consent::show))
        .routes(routes!(consent::download))
        .routes(routes!(consent::send))
        .routes(routes!(consent::deny))
        .routes(routes!(consents::list))
        .routes(routes!(consents::cloud))
        .routes(routes!(consents::revoke))
        .routes(routes!(consents::receipt))
        .routes(routes!(package::package))
        .routes(routes!(counter::issue))
        .routes(routes!(counter::redeem))
        .with_state(api)
}

/// An OAuth error (RFC 6749 §5.2): what the OAuth endpoints answer with
/// instead of a problem, as OAuth clients expect.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub(crate) struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unsupported_grant_type` or `server_error`.
    error: String,
    error_description: String,
}
