//! JWE with ECDH-ES+A256KW key agreement on P-256 and A256GCM content
//! encryption (RFC 7516 compact serialisation; RFC 7518 §4.6 and §5.3).
//!
//! The key-encryption key is derived from the shared secret with the Concat
//! KDF of NIST SP 800-56A that RFC 7518 §4.6.2 prescribes, so any standard
//! JOSE library can open the packages. (compact_jwt, used before, derives it
//! with HKDF-SHA256 instead, which only compact_jwt itself can read.) The
//! parts are maintained primitives: `p256` for the key agreement, `aes-kw`
//! (through crypto-glue) for RFC 3394 key wrapping, `ring` for AES-256-GCM.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use crypto_glue::aes256kw::{Aes256Kw, KeyInit};
use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p256::{EncodedPoint, PublicKey, SecretKey};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const ALG: &str = "ECDH-ES+A256KW";
const ENC: &str = "A256GCM";
/// A256KW wraps with a 256-bit key; RFC 7518 §4.6.2 names the length in bits.
const KEK_BITS: u32 = 256;

#[derive(Debug, thiserror::Error)]
pub enum EcdhJweError {
    #[error("the JWE is malformed: {0}")]
    Malformed(&'static str),
    #[error("the JWE does not decrypt with this key")]
    Decrypt,
    #[error("the key is not a point on P-256")]
    BadPoint,
}

/// RFC 7518 §4.6.2: the Concat KDF (NIST SP 800-56A §5.8.1) with SHA-256.
/// `algorithm` is the `alg` value for key wrapping, or the `enc` value for
/// direct key agreement; `apu`/`apv` are the decoded PartyUInfo/PartyVInfo.
pub fn concat_kdf(z: &[u8], algorithm: &str, key_bits: u32, apu: &[u8], apv: &[u8]) -> Vec<u8> {
    let with_length = |data: &[u8]| {
        let mut out = u32::try_from(data.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec();
        out.extend_from_slice(data);
        out
    };
    let key_bytes = usize::try_from(key_bits / 8).unwrap_or(0);
    let mut derived = Vec::with_capacity(key_bytes + 32);
    let mut round: u32 = 1;
    while derived.len() < key_bytes {
        let mut hash = Sha256::new();
        hash.update(round.to_be_bytes());
        hash.update(z);
        hash.update(with_length(algorithm.as_bytes()));
        hash.update(with_length(apu));
        hash.update(with_length(apv));
        hash.update(key_bits.to_be_bytes());
        derived.extend_from_slice(&hash.finalize());
        round += 1;
    }
    derived.truncate(key_bytes);
    derived
}

fn content_key(cek: &[u8]) -> Result<LessSafeKey, EcdhJweError> {
    UnboundKey::new(&AES_256_GCM, cek)
        .map(LessSafeKey::new)
        .map_err(|_| EcdhJweError::Malformed("the content key is not 256 bits"))
}

fn key_wrapper(kek: &[u8]) -> Result<Aes256Kw, EcdhJweError> {
    Aes256Kw::new_from_slice(kek).map_err(|_| EcdhJweError::Malformed("bad key length"))
}

fn epk_jwk(public: &PublicKey) -> Value {
    let point = public.to_encoded_point(false);
    let coordinate = |c: Option<&p256::FieldBytes>| c.map(|c| B64.encode(c)).unwrap_or_default();
    json!({"kty": "EC", "crv": "P-256", "x": coordinate(point.x()), "y": coordinate(point.y())})
}

/// A P-256 public key from its JWK coordinates.
pub fn public_key(x: &[u8], y: &[u8]) -> Result<PublicKey, EcdhJweError> {
    if x.len() != 32 || y.len() != 32 {
        return Err(EcdhJweError::BadPoint);
    }
    let point = EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
    Option::from(PublicKey::from_encoded_point(&point)).ok_or(EcdhJweError::BadPoint)
}

/// The JWK of a public key's coordinates, as `(x, y)`.
pub fn coordinates(public: &PublicKey) -> (Vec<u8>, Vec<u8>) {
    let point = public.to_encoded_point(false);
    (
        point.x().map(|x| x.to_vec()).unwrap_or_default(),
        point.y().map(|y| y.to_vec()).unwrap_or_default(),
    )
}

/// Encrypts `payload` to `recipient`; `cty` names what it holds.
pub fn encrypt(recipient: &PublicKey, payload: &[u8], cty: &str) -> Result<String, EcdhJweError> {
    let ephemeral = SecretKey::random(&mut rand::rngs::OsRng);
    encrypt_with(&ephemeral, recipient, payload, cty)
}

fn encrypt_with(
    ephemeral: &SecretKey,
    recipient: &PublicKey,
    payload: &[u8],
    cty: &str,
) -> Result<String, EcdhJweError> {
    let header = json!({
        "alg": ALG,
        "enc": ENC,
        "cty": cty,
        "epk": epk_jwk(&ephemeral.public_key()),
    });
    let header = B64.encode(header.to_string());
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), recipient.as_affine());
    let kek = concat_kdf(shared.raw_secret_bytes(), ALG, KEK_BITS, &[], &[]);
    let cek = rand::random::<[u8; 32]>();
    let mut wrapped = [0u8; 40];
    let wrapped = key_wrapper(&kek)?
        .wrap_key(&cek, &mut wrapped)
        .map_err(|_| EcdhJweError::Malformed("key wrapping failed"))?;
    let iv = rand::random::<[u8; 12]>();
    let mut ciphertext = payload.to_vec();
    let tag = content_key(&cek)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            &mut ciphertext,
        )
        .map_err(|_| EcdhJweError::Malformed("sealing failed"))?;
    Ok([
        header,
        B64.encode(wrapped),
        B64.encode(iv),
        B64.encode(ciphertext),
        B64.encode(tag.as_ref()),
    ]
    .join("."))
}

fn decode(part: &str) -> Result<Vec<u8>, EcdhJweError> {
    B64.decode(part)
        .map_err(|_| EcdhJweError::Malformed("not base64url"))
}

/// Decrypts a compact ECDH-ES+A256KW / A256GCM JWE with the recipient's key.
pub fn decrypt(key: &SecretKey, compact: &str) -> Result<Vec<u8>, EcdhJweError> {
    let parts: Vec<&str> = compact.trim().split('.').collect();
    let [header_b64, wrapped, iv, ciphertext, tag] = parts[..] else {
        return Err(EcdhJweError::Malformed("a compact JWE has five parts"));
    };
    let header: Value = serde_json::from_slice(&decode(header_b64)?)
        .map_err(|_| EcdhJweError::Malformed("the header is not JSON"))?;
    if header["alg"] != ALG || header["enc"] != ENC {
        return Err(EcdhJweError::Malformed("not ECDH-ES+A256KW with A256GCM"));
    }
    let epk = &header["epk"];
    if epk["kty"] != "EC" || epk["crv"] != "P-256" {
        return Err(EcdhJweError::Malformed("the ephemeral key is not P-256"));
    }
    let coordinate = |name: &str| {
        epk[name]
            .as_str()
            .ok_or(EcdhJweError::Malformed(
                "the ephemeral key lacks a coordinate",
            ))
            .and_then(decode)
    };
    let ephemeral = public_key(&coordinate("x")?, &coordinate("y")?)?;
    let party = |name: &str| match header[name].as_str() {
        Some(value) => decode(value),
        None => Ok(Vec::new()),
    };
    let shared = p256::ecdh::diffie_hellman(key.to_nonzero_scalar(), ephemeral.as_affine());
    let kek = concat_kdf(
        shared.raw_secret_bytes(),
        ALG,
        KEK_BITS,
        &party("apu")?,
        &party("apv")?,
    );
    let mut cek = [0u8; 32];
    let cek = key_wrapper(&kek)?
        .unwrap_key(&decode(wrapped)?, &mut cek)
        .map_err(|_| EcdhJweError::Decrypt)?;
    let iv: [u8; 12] = decode(iv)?
        .try_into()
        .map_err(|_| EcdhJweError::Malformed("the IV is not 96 bits"))?;
    let tag: [u8; 16] = decode(tag)?
        .try_into()
        .map_err(|_| EcdhJweError::Malformed("the tag is not 128 bits"))?;
    let mut plain = decode(ciphertext)?;
    content_key(cek)?
        .open_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header_b64.as_bytes()),
            Tag::from(tag),
            &mut plain,
            0..,
        )
        .map_err(|_| EcdhJweError::Decrypt)?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7518 Appendix C: the shared secret Z and the key derived from
    /// it for `enc` A128GCM, with PartyUInfo "Alice" and PartyVInfo "Bob".
    #[test]
    fn the_kdf_derives_rfc_7518_appendix_c_key() {
        let z: [u8; 32] = [
            158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49,
            110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
        ];
        let derived = concat_kdf(&z, "A128GCM", 128, b"Alice", b"Bob");
        assert_eq!(B64.encode(derived), "VqqN6vgjbSBcIijNcacQGg");
    }

    /// RFC 7518 Appendix C's key pairs: Bob's static key receives; the
    /// shared secret both sides compute is the appendix's Z.
    #[test]
    fn the_key_agreement_gives_rfc_7518_appendix_c_secret() {
        let alice_d = B64
            .decode("0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo")
            .unwrap();
        let bob_x = B64
            .decode("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ")
            .unwrap();
        let bob_y = B64
            .decode("e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck")
            .unwrap();
        let alice = SecretKey::from_slice(&alice_d).unwrap();
        let bob = public_key(&bob_x, &bob_y).unwrap();
        let shared = p256::ecdh::diffie_hellman(alice.to_nonzero_scalar(), bob.as_affine());
        assert_eq!(
            shared.raw_secret_bytes().to_vec(),
            vec![
                158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49,
                110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196
            ]
        );
    }

    /// A JWE made by Python's jwcrypto, an independent implementation:
    /// what standard libraries send, this opens.
    #[test]
    fn a_jwe_made_by_jwcrypto_decrypts() {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/jose/jwcrypto-ecdh-es-a256kw.json"
        ))
        .unwrap();
        let d = B64
            .decode(fixture["private_jwk"]["d"].as_str().unwrap())
            .unwrap();
        let key = SecretKey::from_slice(&d).unwrap();
        let plain = decrypt(&key, fixture["jwe"].as_str().unwrap()).unwrap();
        assert_eq!(plain, fixture["payload"].as_str().unwrap().as_bytes());
    }

    #[test]
    fn what_is_encrypted_to_a_key_decrypts_with_it_only() {
        let key = SecretKey::random(&mut rand::rngs::OsRng);
        let jwe = encrypt(&key.public_key(), b"package", "JWT").unwrap();
        assert_eq!(decrypt(&key, &jwe).unwrap(), b"package");
        let other = SecretKey::random(&mut rand::rngs::OsRng);
        assert!(matches!(decrypt(&other, &jwe), Err(EcdhJweError::Decrypt)));
    }

    #[test]
    fn an_altered_header_or_ciphertext_fails() {
        let key = SecretKey::random(&mut rand::rngs::OsRng);
        let jwe = encrypt(&key.public_key(), b"package", "JWT").unwrap();
        let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
        parts[3] = B64.encode(b"other..");
        assert!(decrypt(&key, &parts.join(".")).is_err());
    }
}
