//! The assistant as a service provider of the platform. It has no side
//! door: it registers like any provider, keeps its own keys in the data
//! folder (beside the platform's), and asks for records through the same
//! online flow — the citizen logs in at the level the records need,
//! confirms twice and gets a receipt, and every transfer is in their trail.

use std::collections::BTreeMap;
use std::path::Path;

use compact_jwt::crypto::JwsEs256Signer;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use serde_json::json;

use crate::clock;
use crate::provider_client::{ClientError, ProviderClient};
use crate::services::Registration;
use crate::spec::DatasetRegistry;
use crate::store::{ServiceProviderRow, Store, StoreError};

/// The assistant's client id at the platform.
pub const CLIENT_ID: &str = "navigator-assistant";
/// The client a social worker's delegated consent is given to.
pub const CASEWORK_CLIENT_ID: &str = "navigator-casework";
/// Where the citizen's browser comes back after the two confirmations.
pub const CALLBACK_PATH: &str = "/assistant/callback";

/// The navigator's two registrations at the platform: one per purpose, so
/// that the consent screen states the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registrant {
    /// A citizen's own conversation.
    Assistant,
    /// A social worker's case, with the citizen's delegated consent.
    Casework,
}

impl Registrant {
    pub fn client_id(self) -> &'static str {
        match self {
            Self::Assistant => CLIENT_ID,
            Self::Casework => CASEWORK_CLIENT_ID,
        }
    }

    fn about(self, issuer: &str) -> serde_json::Value {
        let terms_url = format!("{}/terms", issuer.trim_end_matches('/'));
        match self {
            Self::Assistant => json!({
                "name": {"zh-TW": "MyData 服務導航助理", "en": "MyData service navigator"},
                "purpose": {
                    "zh-TW": "依你的問題判斷你可申請的服務；資料只用於這段對話，對話刪除或 24 小時後即刪除",
                    "en": "Working out which services you qualify for, for your question; \
                           used only in this conversation and deleted with it or after 24 hours",
                },
                "terms_url": terms_url,
            }),
            Self::Casework => json!({
                "name": {"zh-TW": "MyData 服務導航 社工個案評估", "en": "MyData navigator casework"},
                "purpose": {
                    "zh-TW": "讓為你開案的社工，在你同意的期間內查看這些資料，評估你可獲得的協助；每次查看都會記錄在你的紀錄中",
                    "en": "Letting the social worker who opened your case see these records, \
                           for as long as you allow, to assess the help you can get; \
                           every look is recorded in your trail",
                },
                "terms_url": terms_url,
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientSetupError {
    #[error("the assistant's key {path}: {problem}")]
    Key { path: String, problem: String },
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the assistant's registration is refused: {0}")]
    Registration(String),
}

/// Reads a key file, or creates it with `generate` (owner-only). Two
/// servers starting at once: the second one uses the first one's.
fn load_or_create(
    path: &Path,
    generate: impl FnOnce() -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, ClientSetupError> {
    let error = |problem: String| ClientSetupError::Key {
        path: path.display().to_string(),
        problem,
    };
    match std::fs::read(path) {
        Ok(bytes) => return Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(error(e.to_string())),
    }
    let bytes = generate().map_err(error)?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|e| error(e.to_string()))?;
    }
    match crate::secrets::write_owner_only(path, &bytes) {
        Ok(()) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read(path).map_err(|e| error(e.to_string()))
        }
        Err(e) => Err(error(e.to_string())),
    }
}

/// One of the navigator's clients, with its keys from `data_dir` (both
/// registrations use the same keys). `platform` is where this server is
/// reached (over loopback); `issuer` its public origin.
pub fn load(
    registrant: Registrant,
    data_dir: &Path,
    issuer: &str,
    platform: reqwest::Url,
) -> Result<ProviderClient, ClientSetupError> {
    let signing = load_or_create(&data_dir.join("assistant-signing-key.der"), || {
        let signer = JwsEs256Signer::generate_es256().map_err(|e| format!("{e:?}"))?;
        let der = signer.private_key_to_der().map_err(|e| format!("{e:?}"))?;
        Ok(der.to_vec())
    })?;
    let encryption_path = data_dir.join("assistant-encryption-key.der");
    let encryption = load_or_create(&encryption_path, || {
        let key =
            rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
        let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        Ok(der.as_bytes().to_vec())
    })?;
    let encryption =
        rsa::RsaPrivateKey::from_pkcs8_der(&encryption).map_err(|e| ClientSetupError::Key {
            path: encryption_path.display().to_string(),
            problem: e.to_string(),
        })?;
    let issuer = issuer.trim_end_matches('/');
    Ok(ProviderClient::with_keys(
        registrant.client_id(),
        &format!("{issuer}{CALLBACK_PATH}"),
        platform,
        issuer,
        &signing,
        encryption,
    )?)
}

/// Registers the assistant, active, for every dataset the rules may read
/// (it asks each time only for those that would change a verdict). A
/// registration with other keys is replaced; an operator's suspension
/// stays.
pub async fn register(
    registrant: Registrant,
    client: &ProviderClient,
    issuer: &str,
    store: &dyn Store,
    registry: &DatasetRegistry,
) -> Result<(), ClientSetupError> {
    let id = registrant.client_id();
    let datasets: BTreeMap<String, Vec<String>> = registry
        .datasets()
        .map(|spec| (spec.id.to_string(), spec.fields.clone()))
        .collect();
    let about = registrant.about(issuer);
    let registration = client.registration(&about, &datasets)?;
    let checked: Registration = serde_json::from_value(registration)
        .map_err(|e| ClientSetupError::Registration(e.to_string()))?;
    let problems = checked.problems(registry);
    if !problems.is_empty() {
        return Err(ClientSetupError::Registration(problems.join("; ")));
    }
    let text = serde_json::to_string(&checked)
        .map_err(|e| ClientSetupError::Registration(e.to_string()))?;
    let now = clock::now_ms();
    match store.service_provider_get(id).await? {
        Some(row) if row.registration == text => {}
        Some(_) => {
            store.service_provider_reregister(id, &text, now).await?;
        }
        None => {
            store
                .service_provider_insert(&ServiceProviderRow {
                    id: id.to_owned(),
                    registration: text,
                    state: "active".to_owned(),
                    created_ms: now,
                    updated_ms: now,
                })
                .await?;
        }
    }
    Ok(())
}
