//! A service provider's public keys, from their JWKs: the one that checks
//! its client assertions and the one packages are encrypted to (EC P-256
//! for ECDH-ES+A256KW, or RSA of at least 2048 bits for RSA-OAEP-256).

use compact_jwt::compact::EcCurve;
use compact_jwt::{Jwk, JwsEs256Verifier};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("an EC P-256 public key is needed")]
    NotP256,
    #[error("the key's coordinates are not a point on P-256")]
    BadPoint,
    #[error("the RSA key is not valid, or shorter than 2048 bits")]
    BadRsa,
    #[error("encryption failed: {0}")]
    Encrypt(String),
}

pub fn client_verifier(jwk: &Jwk) -> Result<JwsEs256Verifier, KeyError> {
    if !matches!(
        jwk,
        Jwk::EC {
            crv: EcCurve::P256,
            ..
        }
    ) {
        return Err(KeyError::NotP256);
    }
    JwsEs256Verifier::try_from(jwk).map_err(|_| KeyError::BadPoint)
}

/// The key a provider's packages are encrypted to.
#[derive(Debug, Clone)]
pub enum EncryptionKey {
    /// ECDH-ES+A256KW with RFC 7518's Concat KDF.
    Ec(p256::PublicKey),
    /// RSA-OAEP-256, for providers that hold only RSA keys.
    Rsa(rsa::RsaPublicKey),
}

impl EncryptionKey {
    /// `payload` as a compact JWE (content A256GCM) only this key's holder
    /// can read; `cty` names what it holds.
    pub fn encrypt(&self, payload: &[u8], cty: &str) -> Result<String, KeyError> {
        match self {
            Self::Ec(public) => super::ecdh_jwe::encrypt(public, payload, cty)
                .map_err(|e| KeyError::Encrypt(e.to_string())),
            Self::Rsa(public) => super::rsa_jwe::encrypt(public, payload, cty)
                .map_err(|e| KeyError::Encrypt(e.to_string())),
        }
    }

    /// As a JWK, for a provider describing its own key.
    pub fn jwk(public_key: &p256::PublicKey) -> Jwk {
        let (x, y) = super::ecdh_jwe::coordinates(public_key);
        Jwk::EC {
            crv: EcCurve::P256,
            x,
            y,
            alg: None,
            use_: None,
            kid: None,
        }
    }
}

pub fn encryption_key(jwk: &Jwk) -> Result<EncryptionKey, KeyError> {
    let (x, y) = match jwk {
        Jwk::EC {
            crv: EcCurve::P256,
            x,
            y,
            ..
        } => (x, y),
        Jwk::RSA { n, e, .. } => {
            let public = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(n),
                rsa::BigUint::from_bytes_be(e),
            )
            .map_err(|_| KeyError::BadRsa)?;
            if rsa::traits::PublicKeyParts::size(&public) < 256 {
                return Err(KeyError::BadRsa);
            }
            return Ok(EncryptionKey::Rsa(public));
        }
    };
    super::ecdh_jwe::public_key(x, y)
        .map(EncryptionKey::Ec)
        .map_err(|_| KeyError::BadPoint)
}
