//! Writing secrets (signing keys, tokens) to disk: created once, readable by
//! the owner only, and synced before anyone relies on them.

use std::io::Write;
use std::path::Path;

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
