//! The platform's own signing key (ES256): it signs packages and consent
//! receipts, and its public half is published as a JWKS so that anyone can
//! check them. Kept as PKCS#8 DER in `<data-dir>/platform-signing-key.der`,
//! created owner-only on first start; servers sharing a database share it.

use std::path::Path;

use compact_jwt::crypto::JwsEs256Signer;
use compact_jwt::jws::JwsBuilder;
use compact_jwt::traits::{JwsSigner, JwsSignerToVerifier};
use compact_jwt::{JwkKeySet, JwsCompact, JwsVerifier};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum PlatformKeyError {
    #[error("the platform signing key {path}: {problem}")]
    File { path: String, problem: String },
    #[error("JOSE: {0:?}")]
    Jose(compact_jwt::JwtError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

pub struct PlatformKey {
    signer: JwsEs256Signer,
    jwks: JwkKeySet,
}

impl PlatformKey {
    pub fn load_or_create(path: &Path) -> Result<Self, PlatformKeyError> {
        let file_error = |problem: String| PlatformKeyError::File {
            path: path.display().to_string(),
            problem,
        };
        let signer = match std::fs::read(path) {
            Ok(der) => {
                JwsEs256Signer::from_es256_der(&der).map_err(|e| file_error(format!("{e:?}")))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let signer = JwsEs256Signer::generate_es256().map_err(PlatformKeyError::Jose)?;
                let der = signer
                    .private_key_to_der()
                    .map_err(PlatformKeyError::Jose)?;
                if let Some(folder) = path.parent() {
                    std::fs::create_dir_all(folder).map_err(|e| file_error(e.to_string()))?;
                }
                match crate::secrets::write_owner_only(path, &der) {
                    Ok(()) => signer,
                    // Another server wrote one first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let der = std::fs::read(path).map_err(|e| file_error(e.to_string()))?;
                        JwsEs256Signer::from_es256_der(&der)
                            .map_err(|e| file_error(format!("{e:?}")))?
                    }
                    Err(e) => return Err(file_error(e.to_string())),
                }
            }
            Err(e) => return Err(file_error(e.to_string())),
        };
        let signer = signer.set_sign_option_embed_kid(true);
        let mut jwk = signer.public_key_as_jwk().map_err(PlatformKeyError::Jose)?;
        if let compact_jwt::Jwk::EC { kid, .. } = &mut jwk {
            *kid = Some(signer.get_kid().to_owned());
        }
        Ok(Self {
            signer,
            jwks: JwkKeySet { keys: vec![jwk] },
        })
    }

    pub fn jwks(&self) -> &JwkKeySet {
        &self.jwks
    }

    /// `value` as a compact JWS of type `typ`.
    pub fn sign<T: Serialize>(&self, typ: &str, value: &T) -> Result<String, PlatformKeyError> {
        let jws = JwsBuilder::into_json(value)?.set_typ(Some(typ)).build();
        let signed: JwsCompact = self.signer.sign(&jws).map_err(PlatformKeyError::Jose)?;
        Ok(signed.to_string())
    }

    /// Checks a JWS this platform signed and returns its payload.
    pub fn verify<T: DeserializeOwned>(&self, compact: &str) -> Result<T, PlatformKeyError> {
        let parsed: JwsCompact = compact.parse().map_err(PlatformKeyError::Jose)?;
        let verifier = self.signer.get_verifier().map_err(PlatformKeyError::Jose)?;
        let jws = verifier.verify(&parsed).map_err(PlatformKeyError::Jose)?;
        Ok(jws.from_json()?)
    }
}
