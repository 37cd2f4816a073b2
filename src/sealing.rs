//! Credentials and personal-cloud packages kept at rest under a server key (AES-256-GCM, via ring), so
//! that a copy of the database alone does not yield them. The citizen's ID
//! number is the associated data: a sealed value moved to another citizen's
//! row does not open.
//!
//! The key is `NAVIGATOR_CREDENTIAL_KEY` (64 hex digits) or, when unset,
//! `<data-dir>/credential-key`, created owner-only on first start. Servers
//! that share a database must share the key.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

const PREFIX: &str = "v1:";

#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("the credential key must be 64 hexadecimal digits")]
    KeyFormat,
    #[error("the credential key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "a sealed credential is damaged, or was sealed under another key or for another citizen"
    )]
    Open,
    #[error("sealing failed")]
    Seal,
}

pub struct CredentialKey(LessSafeKey);

impl std::fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialKey(..)")
    }
}

impl CredentialKey {
    pub fn from_hex(hex_key: &str) -> Result<Self, SealingError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SealingError::KeyFormat)?;
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SealingError::KeyFormat)?;
        Ok(Self(LessSafeKey::new(unbound)))
    }

    /// The key in `path`, created there (mode 0600) when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, SealingError> {
        let error = |source| SealingError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(folder) = path.parent() {
                    std::fs::create_dir_all(folder).map_err(error)?;
                }
                let key = hex::encode(rand::random::<[u8; 32]>());
                match crate::secrets::write_owner_only(path, key.as_bytes()) {
                    Ok(()) => Self::from_hex(&key),
                    // Another server created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::from_hex(&std::fs::read_to_string(path).map_err(error)?)
                    }
                    Err(e) => Err(error(e)),
                }
            }
            Err(e) => Err(error(e)),
        }
    }

    /// Seals `plain` under a fresh key of its own, and that key under this
    /// one (envelope encryption): `context` (such as a package id) binds
    /// both. Deleting the row destroys the only copy of the data key.
    pub fn seal_envelope(&self, context: &str, plain: &[u8]) -> Result<String, SealingError> {
        let data_key = rand::random::<[u8; 32]>();
        let sealed_data = Self::from_bytes(&data_key)?.seal(context, plain)?;
        let wrapped_key = self.seal(context, &data_key)?;
        Ok(format!("{wrapped_key} {sealed_data}"))
    }

    pub fn open_envelope(&self, context: &str, sealed: &str) -> Result<Vec<u8>, SealingError> {
        let (wrapped_key, sealed_data) = sealed.split_once(' ').ok_or(SealingError::Open)?;
        let data_key = self.open(context, wrapped_key)?;
        Self::from_bytes(&data_key)?.open(context, sealed_data)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, SealingError> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SealingError::KeyFormat)?;
        Ok(Self(LessSafeKey::new(unbound)))
    }

    /// Seals `plain` for `subject`; the result is text fit for a column.
    pub fn seal(&self, subject: &str, plain: &[u8]) -> Result<String, SealingError> {
        let nonce_bytes = rand::random::<[u8; NONCE_LEN]>();
        let mut sealed = plain.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(subject.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SealingError::Seal)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    pub fn open(&self, subject: &str, sealed: &str) -> Result<Vec<u8>, SealingError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealingError::Open)?;
        let bytes = STANDARD.decode(body).map_err(|_| SealingError::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealingError::Open);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealingError::Open)?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(subject.as_bytes()), &mut buffer)
            .map_err(|_| SealingError::Open)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::CredentialKey;

    fn key() -> CredentialKey {
        CredentialKey::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_subject_and_key() {
        let sealed = key().seal("A123456789", b"JBSWY3DPEHPK3PXP").unwrap();
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(
            key().open("A123456789", &sealed).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(key().open("F131104093", &sealed).is_err());
        let other = CredentialKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open("A123456789", &sealed).is_err());
        assert!(key().open("A123456789", "JBSWY3DPEHPK3PXP").is_err());
    }

    #[test]
    fn an_envelope_opens_with_its_context_only() {
        let sealed = key().seal_envelope("package-1", b"records").unwrap();
        assert_eq!(
            key().open_envelope("package-1", &sealed).unwrap(),
            b"records"
        );
        assert!(key().open_envelope("package-2", &sealed).is_err());
        assert!(!sealed.contains("records"));
    }

    #[test]
    fn sealing_twice_gives_different_text() {
        let a = key().seal("A123456789", b"same").unwrap();
        let b = key().seal("A123456789", b"same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(CredentialKey::from_hex("00").is_err());
        assert!(CredentialKey::from_hex(&"zz".repeat(32)).is_err());
    }
}
