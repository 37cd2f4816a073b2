//! The short-lived tokens the broker signs for each provider request: EdDSA
//! JWTs naming the provider (`aud`), the citizen (`sub`), the dataset and the
//! purpose, valid for at most a minute and usable once (`jti`).

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::clock;

/// The `iss` of every token the broker signs.
pub const ISSUER: &str = "mydata-navigator-broker";

/// The longest lifetime a provider accepts, in seconds.
pub const MAX_LIFETIME_SECS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read or write the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the key in {path} is not an Ed25519 key in PEM: {reason}")]
    KeyFormat { path: String, reason: String },
    #[error("cannot sign the token: {0}")]
    Sign(jsonwebtoken::errors::Error),
    #[error("the token is not valid: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderClaims {
    pub iss: String,
    /// The provider agency the token is for.
    pub aud: String,
    /// The citizen's national ID.
    pub sub: String,
    pub dataset: String,
    pub purpose: String,
    /// Who the broker fetches for: a service provider, a social worker.
    pub requester: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl ProviderClaims {
    /// Claims for one request, valid for `lifetime_secs` from now.
    pub fn new(
        agency: &str,
        subject: &str,
        dataset: &str,
        purpose: &str,
        requester: &str,
        lifetime_secs: i64,
    ) -> Self {
        let now = clock::now_ms() / 1000;
        Self {
            iss: ISSUER.into(),
            aud: agency.into(),
            sub: subject.into(),
            dataset: dataset.into(),
            purpose: purpose.into(),
            requester: requester.into(),
            iat: now,
            exp: now + lifetime_secs,
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// The broker's private signing key.
pub struct SigningKey {
    encoding: EncodingKey,
    public_pem: String,
}

impl SigningKey {
    pub fn generate() -> Result<Self, TokenError> {
        let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        Self::from_dalek(&key, "generated key")
    }

    /// Loads the key at `path`, creating it (owner-only) when it is missing,
    /// so a fresh install signs with a key of its own.
    pub fn load_or_create(path: &Path) -> Result<Self, TokenError> {
        let shown = path.display().to_string();
        let io = |source| TokenError::KeyFile {
            path: shown.clone(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(pem) => {
                let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
                    TokenError::KeyFormat {
                        path: shown.clone(),
                        reason: e.to_string(),
                    }
                })?;
                Self::from_dalek(&key, &shown)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
                let pem = key
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|e| TokenError::KeyFormat {
                        path: shown.clone(),
                        reason: e.to_string(),
                    })?;
                if let Some(folder) = path.parent() {
                    std::fs::create_dir_all(folder).map_err(io)?;
                }
                crate::secrets::write_owner_only(path, pem.as_bytes()).map_err(io)?;
                Self::from_dalek(&key, &shown)
            }
            Err(error) => Err(io(error)),
        }
    }

    fn from_dalek(key: &ed25519_dalek::SigningKey, shown: &str) -> Result<Self, TokenError> {
        let format = |reason: String| TokenError::KeyFormat {
            path: shown.into(),
            reason,
        };
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| format(e.to_string()))?;
        let public_pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format(e.to_string()))?;
        let encoding =
            EncodingKey::from_ed_pem(private_pem.as_bytes()).map_err(|e| format(e.to_string()))?;
        Ok(Self {
            encoding,
            public_pem,
        })
    }

    pub fn sign(&self, claims: &ProviderClaims) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &self.encoding)
            .map_err(TokenError::Sign)
    }

    /// The public half, as providers are configured with it.
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    pub fn verifier(&self) -> Result<TokenVerifier, TokenError> {
        TokenVerifier::from_pem(self.public_pem.as_bytes())
    }
}

/// What a provider holds: the broker's public key.
#[derive(Clone)]
pub struct TokenVerifier {
    decoding: DecodingKey,
}

impl TokenVerifier {
    pub fn from_pem(public_pem: &[u8]) -> Result<Self, TokenError> {
        let decoding = DecodingKey::from_ed_pem(public_pem).map_err(|e| TokenError::KeyFormat {
            path: "public key".into(),
            reason: e.to_string(),
        })?;
        Ok(Self { decoding })
    }

    /// Checks signature, issuer, audience, expiry and lifetime. Replay is
    /// the provider's to check, against its store.
    pub fn verify(&self, token: &str, audience: &str) -> Result<ProviderClaims, TokenError> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<ProviderClaims>(token, &self.decoding, &validation)
            .map_err(|e| TokenError::Invalid(describe(&e)))?;
        let claims = data.claims;
        if claims.exp - claims.iat > MAX_LIFETIME_SECS {
            return Err(TokenError::Invalid(format!(
                "it lives longer than {MAX_LIFETIME_SECS} seconds"
            )));
        }
        if claims.jti.is_empty() {
            return Err(TokenError::Invalid("it has no token id (jti)".into()));
        }
        Ok(claims)
    }
}

fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "it has expired".into(),
        ErrorKind::InvalidAudience => "it was issued for another provider".into(),
        ErrorKind::InvalidIssuer => "it was not issued by the broker".into(),
        ErrorKind::InvalidSignature => "its signature does not verify".into(),
        ErrorKind::InvalidAlgorithm => "it is not signed with EdDSA".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it lacks the {claim} claim"),
        _ => "it is malformed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(lifetime: i64) -> ProviderClaims {
        ProviderClaims::new(
            "mol.bli",
            "A123456789",
            "labor.insurance_history",
            "test",
            "broker",
            lifetime,
        )
    }

    #[test]
    fn a_signed_token_verifies_for_its_audience_only() {
        let key = SigningKey::generate().unwrap();
        let verifier = key.verifier().unwrap();
        let token = key.sign(&claims(30)).unwrap();
        assert_eq!(
            verifier.verify(&token, "mol.bli").unwrap().sub,
            "A123456789"
        );
        let error = verifier.verify(&token, "moe").unwrap_err().to_string();
        assert!(error.contains("another provider"), "{error}");
    }

    #[test]
    fn another_key_and_long_lifetimes_are_refused() {
        let key = SigningKey::generate().unwrap();
        let stranger = SigningKey::generate().unwrap();
        let token = stranger.sign(&claims(30)).unwrap();
        let error = key
            .verifier()
            .unwrap()
            .verify(&token, "mol.bli")
            .unwrap_err();
        assert!(error.to_string().contains("signature"), "{error}");
        let long = key.sign(&claims(3600)).unwrap();
        assert!(key.verifier().unwrap().verify(&long, "mol.bli").is_err());
    }

    #[test]
    fn keys_persist_across_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/broker.pem");
        let first = SigningKey::load_or_create(&path).unwrap();
        let second = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(first.public_key_pem(), second.public_key_pem());
    }
}
