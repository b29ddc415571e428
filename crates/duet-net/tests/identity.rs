//! Identity files: modes, no silent overwrite, load roundtrip.
#![allow(clippy::unwrap_used, missing_docs)]

use std::os::unix::fs::PermissionsExt;

use duet_net::{Identity, IdentityPaths, NetError};

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_writes_0600_key_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let fp = Identity::keygen(dir.path(), "hospital-a", false).unwrap();
    let paths = IdentityPaths::in_dir(dir.path(), "hospital-a");
    assert_eq!(mode(&paths.key), 0o600);
    let loaded = Identity::load(&paths).unwrap();
    assert_eq!(loaded.fingerprint(), fp);
    assert_eq!(fp.to_string().parse(), Ok(fp));
    let key = std::fs::read_to_string(&paths.key).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(!format!("{loaded:?}").contains(&key[28..60]));
}

#[test]
fn never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let first = Identity::keygen(dir.path(), "b", false).unwrap();
    let again = Identity::keygen(dir.path(), "b", false);
    assert!(
        matches!(again, Err(NetError::FileExists { .. })),
        "{again:?}"
    );
    let paths = IdentityPaths::in_dir(dir.path(), "b");
    assert_eq!(Identity::load(&paths).unwrap().fingerprint(), first);
    // With force: replaced, and a key file made world-readable is narrowed.
    std::fs::set_permissions(&paths.key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let second = Identity::keygen(dir.path(), "b", true).unwrap();
    assert_ne!(second, first);
    assert_eq!(Identity::load(&paths).unwrap().fingerprint(), second);
    assert_eq!(mode(&paths.key), 0o600);
}

#[test]
fn a_missing_or_garbled_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let paths = IdentityPaths::in_dir(dir.path(), "c");
    assert!(matches!(Identity::load(&paths), Err(NetError::Pem { .. })));
    std::fs::write(&paths.cert, "not pem").unwrap();
    std::fs::write(&paths.key, "-----BEGIN PRIVATE KEY-----\n!!\n").unwrap();
    assert!(matches!(Identity::load(&paths), Err(NetError::Pem { .. })));
}
