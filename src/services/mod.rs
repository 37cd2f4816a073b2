//! Service providers: the organisations citizens send their data to. Each
//! registers what it may ever ask for (datasets and fields), where the
//! citizen may be sent back to (exact redirect URIs), the key it signs its
//! client assertions with (`private_key_jwt`, RFC 7523) and the key its
//! packages are encrypted to. An operator reviews each one: `pending` →
//! `active` → `suspended`; only an active provider is served anywhere.

pub mod ecdh_jwe;
pub(crate) mod http;
mod keys;
pub mod rsa_jwe;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use http::router;
pub use keys::{EncryptionKey, KeyError, client_verifier, encryption_key};

use crate::ids::DatasetId;
use crate::spec::DatasetRegistry;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderState {
    Pending,
    Active,
    Suspended,
}

impl ProviderState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            _ => None,
        }
    }
}

/// Text in both languages the platform shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = BilingualText)]
#[serde(deny_unknown_fields)]
pub struct Localised {
    #[serde(rename = "zh-TW")]
    pub zh_tw: String,
    pub en: String,
}

/// What a service provider submits to register.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub id: String,
    pub name: Localised,
    pub purpose: Localised,
    pub terms_url: String,
    pub redirect_uris: Vec<String>,
    /// Dataset → the fields the provider may ever ask for.
    pub datasets: BTreeMap<DatasetId, Vec<String>>,
    /// Public key (JWK, EC P-256) its client assertions are signed with.
    #[schema(value_type = Object)]
    pub client_jwk: compact_jwt::Jwk,
    /// Public key (JWK) packages are encrypted to: EC P-256
    /// (ECDH-ES+A256KW), or RSA of 2048 bits or more (RSA-OAEP-256).
    #[schema(value_type = Object)]
    pub encryption_jwk: compact_jwt::Jwk,
}

#[derive(Debug, Clone)]
pub struct ServiceProvider {
    pub registration: Registration,
    pub state: ProviderState,
}

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored registration is unreadable: {0}")]
    Stored(String),
}

/// Reads registered providers from the store.
#[derive(Clone)]
pub struct ServiceDirectory {
    store: std::sync::Arc<dyn Store>,
}

impl ServiceDirectory {
    pub fn new(store: std::sync::Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub async fn get(&self, id: &str) -> Result<Option<ServiceProvider>, ServicesError> {
        let Some(row) = self.store.service_provider_get(id).await? else {
            return Ok(None);
        };
        let registration: Registration = serde_json::from_str(&row.registration)
            .map_err(|e| ServicesError::Stored(e.to_string()))?;
        let state = ProviderState::parse(&row.state)
            .ok_or_else(|| ServicesError::Stored(format!("state {:?}", row.state)))?;
        Ok(Some(ServiceProvider {
            registration,
            state,
        }))
    }

    /// The provider if it exists and is active: what every flow asks.
    pub async fn active(&self, id: &str) -> Result<Option<ServiceProvider>, ServicesError> {
        Ok(self
            .get(id)
            .await?
            .filter(|provider| provider.state == ProviderState::Active))
    }
}

const MAX_TEXT: usize = 2000;

fn https_or_loopback(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| format!("{raw:?}: {e}"))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(format!("{raw}: use https (http only for loopback)")),
    }
    if url.fragment().is_some() {
        return Err(format!("{raw}: a redirect URI has no fragment"));
    }
    Ok(url)
}

impl Registration {
    /// Every problem with the registration, or none.
    pub fn problems(&self, registry: &DatasetRegistry) -> Vec<String> {
        let mut problems = Vec::new();
        let id_ok = (3..=64).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !id_ok {
            problems.push("id: 3 to 64 of a-z, 0-9, '.', '-'".to_owned());
        }
        for (what, text) in [
            ("name.zh-TW", &self.name.zh_tw),
            ("name.en", &self.name.en),
            ("purpose.zh-TW", &self.purpose.zh_tw),
            ("purpose.en", &self.purpose.en),
        ] {
            if text.trim().is_empty() || text.chars().count() > MAX_TEXT {
                problems.push(format!("{what}: 1 to {MAX_TEXT} characters"));
            }
        }
        if let Err(problem) = https_or_loopback(&self.terms_url) {
            problems.push(format!("terms_url: {problem}"));
        }
        if self.redirect_uris.is_empty() || self.redirect_uris.len() > 10 {
            problems.push("redirect_uris: 1 to 10".to_owned());
        }
        for uri in &self.redirect_uris {
            if let Err(problem) = https_or_loopback(uri) {
                problems.push(format!("redirect_uris: {problem}"));
            }
        }
        if self.datasets.is_empty() {
            problems.push("datasets: name at least one".to_owned());
        }
        for (dataset, fields) in &self.datasets {
            let Some(spec) = registry.dataset(dataset) else {
                problems.push(format!("datasets: there is no dataset {dataset}"));
                continue;
            };
            if fields.is_empty() {
                problems.push(format!("datasets.{dataset}: name the fields needed"));
            }
            for field in fields {
                if !spec.fields.contains(field) {
                    problems.push(format!("datasets.{dataset}: there is no field {field}"));
                }
            }
        }
        if let Err(e) = client_verifier(&self.client_jwk) {
            problems.push(format!("client_jwk: {e}"));
        }
        if let Err(e) = encryption_key(&self.encryption_jwk) {
            problems.push(format!("encryption_jwk: {e}"));
        }
        problems
    }
}
