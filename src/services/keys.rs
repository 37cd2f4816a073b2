//! A service provider's public keys, from their JWKs: the one that checks
//! its client assertions and the one packages are encrypted to.

use compact_jwt::compact::EcCurve;
use compact_jwt::crypto::JweEcdhEsA256KWEncipher;
use compact_jwt::{Jwk, JwsEs256Verifier};
use crypto_glue::ecdh_p256::{EcdhP256FieldBytes, EcdhP256PublicKey, EcdhP256PublicSec1Point};
use crypto_glue::traits::FromSec1Point;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("an EC P-256 public key is needed")]
    NotP256,
    #[error("the key's coordinates are not a point on P-256")]
    BadPoint,
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

/// The key a provider's packages are encrypted to (ECDH-ES+A256KW).
#[derive(Debug, Clone)]
pub struct EncryptionKey(EcdhP256PublicKey);

impl EncryptionKey {
    /// A one-use encipherer (a fresh ephemeral key) for one package.
    pub fn encipherer(&self) -> Result<JweEcdhEsA256KWEncipher, compact_jwt::JwtError> {
        JweEcdhEsA256KWEncipher::generate_ephemeral(self.0)
    }

    /// As a JWK, for a provider describing its own key.
    pub fn jwk(public_key: &EcdhP256PublicKey) -> Jwk {
        let point = EcdhP256PublicSec1Point::from(*public_key);
        Jwk::EC {
            crv: EcCurve::P256,
            x: point.x().map(|x| x.to_vec()).unwrap_or_default(),
            y: point.y().map(|y| y.to_vec()).unwrap_or_default(),
            alg: None,
            use_: None,
            kid: None,
        }
    }
}

pub fn encryption_key(jwk: &Jwk) -> Result<EncryptionKey, KeyError> {
    let Jwk::EC {
        crv: EcCurve::P256,
        x,
        y,
        ..
    } = jwk
    else {
        return Err(KeyError::NotP256);
    };
    let mut field_x = EcdhP256FieldBytes::default();
    let mut field_y = EcdhP256FieldBytes::default();
    if x.len() != field_x.len() || y.len() != field_y.len() {
        return Err(KeyError::BadPoint);
    }
    field_x.copy_from_slice(x);
    field_y.copy_from_slice(y);
    let point = EcdhP256PublicSec1Point::from_affine_coordinates(&field_x, &field_y, false);
    EcdhP256PublicKey::from_sec1_point(&point)
        .into_option()
        .map(EncryptionKey)
        .ok_or(KeyError::BadPoint)
}
