//! JWE with RSA-OAEP-256 key wrapping and A256GCM content encryption (RFC
//! 7516 compact serialisation; RFC 7518 §4.3 and §5.3), for service
//! providers that hold only RSA keys. compact_jwt, which handles the EC
//! keys, offers RSA-OAEP with SHA-1 only, so this assembles the five parts
//! itself around maintained primitives: `rsa` for OAEP with SHA-256 and
//! `ring` for AES-256-GCM.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

pub const ALG: &str = "RSA-OAEP-256";

#[derive(Debug, thiserror::Error)]
pub enum RsaJweError {
    #[error("RSA: {0}")]
    Rsa(#[from] rsa::Error),
    #[error("the JWE is malformed: {0}")]
    Malformed(&'static str),
    #[error("the JWE does not decrypt with this key")]
    Decrypt,
}

fn content_key(cek: &[u8]) -> Result<LessSafeKey, RsaJweError> {
    UnboundKey::new(&AES_256_GCM, cek)
        .map(LessSafeKey::new)
        .map_err(|_| RsaJweError::Malformed("the content key is not 256 bits"))
}

/// Encrypts `payload` to `key`; `cty` names what it holds (e.g. `JWT`).
pub fn encrypt(key: &RsaPublicKey, payload: &[u8], cty: &str) -> Result<String, RsaJweError> {
    let header = serde_json::json!({"alg": ALG, "enc": "A256GCM", "cty": cty});
    let header = B64.encode(header.to_string());
    let cek = rand::random::<[u8; 32]>();
    let iv = rand::random::<[u8; 12]>();
    let encrypted_key = key.encrypt(&mut rand::thread_rng(), Oaep::new::<Sha256>(), &cek)?;
    let mut ciphertext = payload.to_vec();
    let tag = content_key(&cek)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            &mut ciphertext,
        )
        .map_err(|_| RsaJweError::Malformed("sealing failed"))?;
    Ok([
        header,
        B64.encode(encrypted_key),
        B64.encode(iv),
        B64.encode(ciphertext),
        B64.encode(tag.as_ref()),
    ]
    .join("."))
}

/// Whether a compact JWE says it was wrapped with RSA-OAEP-256.
pub fn is_rsa_oaep_256(compact: &str) -> bool {
    compact
        .split('.')
        .next()
        .and_then(|header| B64.decode(header).ok())
        .and_then(|header| serde_json::from_slice::<serde_json::Value>(&header).ok())
        .is_some_and(|header| header["alg"] == ALG && header["enc"] == "A256GCM")
}

/// Decrypts a compact JWE made by [`encrypt`] (or any RSA-OAEP-256 +
/// A256GCM JWE) with the recipient's private key.
pub fn decrypt(key: &RsaPrivateKey, compact: &str) -> Result<Vec<u8>, RsaJweError> {
    let parts: Vec<&str> = compact.trim().split('.').collect();
    let [header, encrypted_key, iv, ciphertext, tag] = parts[..] else {
        return Err(RsaJweError::Malformed("a compact JWE has five parts"));
    };
    if !is_rsa_oaep_256(compact) {
        return Err(RsaJweError::Malformed("not RSA-OAEP-256 with A256GCM"));
    }
    let decode = |part: &str| {
        B64.decode(part)
            .map_err(|_| RsaJweError::Malformed("not base64url"))
    };
    let cek = key
        .decrypt(Oaep::new::<Sha256>(), &decode(encrypted_key)?)
        .map_err(|_| RsaJweError::Decrypt)?;
    let iv: [u8; 12] = decode(iv)?
        .try_into()
        .map_err(|_| RsaJweError::Malformed("the IV is not 96 bits"))?;
    let tag: [u8; 16] = decode(tag)?
        .try_into()
        .map_err(|_| RsaJweError::Malformed("the tag is not 128 bits"))?;
    let mut plain = decode(ciphertext)?;
    content_key(&cek)?
        .open_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            Tag::from(tag),
            &mut plain,
            0..,
        )
        .map_err(|_| RsaJweError::Decrypt)?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RsaPrivateKey {
        RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap()
    }

    #[test]
    fn what_is_encrypted_to_a_key_decrypts_with_it_only() {
        let key = key();
        let jwe = encrypt(&key.to_public_key(), b"package", "JWT").unwrap();
        assert!(is_rsa_oaep_256(&jwe));
        assert_eq!(decrypt(&key, &jwe).unwrap(), b"package");
        assert!(matches!(
            decrypt(&super::tests::key(), &jwe),
            Err(RsaJweError::Decrypt)
        ));
    }

    #[test]
    fn an_altered_part_fails_authentication() {
        let key = key();
        let jwe = encrypt(&key.to_public_key(), b"package", "JWT").unwrap();
        let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
        // The header is authenticated too: a changed cty fails the tag.
        parts[0] = B64.encode(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","cty":"json"}"#);
        assert!(decrypt(&key, &parts.join(".")).is_err());
        let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
        parts[3] = B64.encode(b"other..");
        assert!(decrypt(&key, &parts.join(".")).is_err());
    }
}
