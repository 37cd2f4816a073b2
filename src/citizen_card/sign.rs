//! What the card middleware does on the citizen's computer: sign the
//! server's challenge with the card's key and hand back the certificate
//! beside the signature. Here the key is a PKCS#8 file (ECDSA P-256).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the certificate file holds no PEM certificate: {0}")]
    Certificate(String),
    #[error("the key file holds no PEM private key: {0}")]
    Key(String),
    #[error("the key is not a PKCS#8 ECDSA P-256 key")]
    KeyType,
    #[error("the challenge is not base64: {0}")]
    Challenge(base64::DecodeError),
    #[error("signing failed")]
    Signing,
}

/// What the middleware returns, ready to post with the challenge's id.
#[derive(Debug, Serialize)]
pub struct CardSignature {
    /// DER certificate, base64.
    pub certificate: String,
    /// ASN.1 DER ECDSA signature over the decoded challenge, base64.
    pub signature: String,
}

/// Signs the base64 `challenge` as the card would.
pub fn sign(cert_pem: &[u8], key_pem: &[u8], challenge: &str) -> Result<CardSignature, SignError> {
    let certificate = CertificateDer::from_pem_slice(cert_pem)
        .map_err(|e| SignError::Certificate(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| SignError::Key(e.to_string()))?;
    let PrivateKeyDer::Pkcs8(pkcs8) = key else {
        return Err(SignError::KeyType);
    };
    let message = STANDARD
        .decode(challenge.trim())
        .map_err(SignError::Challenge)?;
    let rng = SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        pkcs8.secret_pkcs8_der(),
        &rng,
    )
    .map_err(|_| SignError::KeyType)?;
    let signature = pair.sign(&rng, &message).map_err(|_| SignError::Signing)?;
    Ok(CardSignature {
        certificate: STANDARD.encode(certificate.as_ref()),
        signature: STANDARD.encode(signature.as_ref()),
    })
}
