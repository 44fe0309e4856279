//! The classroom's SSH host key: generated once, kept in the state directory, so attendees'
//! `known_hosts` stay valid across restarts of the host; its fingerprint is on the dashboard.

use std::io;
use std::path::Path;

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey};

/// The key in `dir/host_key` (OpenSSH format), made there on first use (readable by the
/// owner only).
pub fn load_or_create(dir: &Path) -> io::Result<PrivateKey> {
    let path = dir.join("host_key");
    match std::fs::read_to_string(&path) {
        Ok(text) => PrivateKey::from_openssh(text.as_bytes()).map_err(|e| {
            io::Error::other(format!(
                "{} is not an OpenSSH private key ({e}); move it away to make a new one",
                path.display()
            ))
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = generate();
            let text = key
                .to_openssh(LineEnding::LF)
                .map_err(|e| io::Error::other(e.to_string()))?;
            std::fs::create_dir_all(dir)?;
            write_private(&path, text.as_bytes())?;
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

fn generate() -> PrivateKey {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the OS's random source");
    PrivateKey::from(Ed25519Keypair::from_seed(&seed))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    std::fs::write(path, bytes)
}

/// `SHA256:…`, as `ssh` prints it when it first meets the host.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let again = load_or_create(dir.path()).unwrap();
        assert_eq!(fingerprint(&first), fingerprint(&again));
        assert!(fingerprint(&first).starts_with("SHA256:"));
        std::fs::write(dir.path().join("host_key"), "not a key").unwrap();
        let err = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("move it away"), "{err}");
    }
}
