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
mod consent;
mod consents;
mod counter;
mod keys;
mod metadata;
mod package;
mod receipt;
mod scope;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post};

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

pub fn router(api: TransferApi) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::metadata),
        )
        .route("/.well-known/jwks.json", get(metadata::jwks))
        .route("/oauth/authorize", get(authorize::authorize))
        .route("/oauth/par", post(authorize::push))
        .route("/oauth/token", post(token::token))
        .route("/api/consent/{id}", get(consent::show))
        .route("/api/consent/{id}/download", post(consent::download))
        .route("/api/consent/{id}/send", post(consent::send))
        .route("/api/consent/{id}/deny", post(consent::deny))
        .route("/api/me/consents", get(consents::list))
        .route("/api/me/cloud", get(consents::cloud))
        .route("/api/me/consents/{id}", delete(consents::revoke))
        .route("/api/me/consents/{id}/receipt", get(consents::receipt))
        .route("/api/transfer/package", get(package::package))
        .route("/api/counter/tickets", post(counter::issue))
        .route("/api/counter/redeem", post(counter::redeem))
        .with_state(api)
}
