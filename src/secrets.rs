//! Handling secrets (signing keys, tokens, knowledge factors): written to
//! disk once, readable by the owner only, and compared in constant time.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Whether two secrets are equal, comparing digests without an early exit
/// so that the time taken says nothing about where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The SHA-256 (hex) under which a bearer secret — a session token, an
/// authorization code, an access or agency token — is stored, so that the
/// database never holds the secret itself.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates `path` with mode 0600; fails if it already exists, so that two
/// servers starting at once cannot overwrite each other's secret.
pub fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A fresh unguessable token (256 random bits, hex): a bearer capability.
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_secrets_match_and_others_do_not() {
        assert!(super::same_secret("abc", "abc"));
        assert!(!super::same_secret("abc", "abd"));
        assert!(!super::same_secret("abc", ""));
    }
}
