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

#[cfg(unix)]
#[test]
fn a_key_others_may_read_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let paths = IdentityPaths::in_dir(dir.path(), "d");
    Identity::generate("d")
        .unwrap()
        .write(&paths, false)
        .unwrap();
    std::fs::set_permissions(&paths.key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Identity::load(&paths).unwrap_err();
    assert!(
        matches!(err, NetError::KeyReadable { mode: 0o644, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("chmod 600"), "{err}");
    std::fs::set_permissions(&paths.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(Identity::load(&paths).is_ok());
}

#[test]
fn a_key_of_another_certificate_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let e = IdentityPaths::in_dir(dir.path(), "e");
    let f = IdentityPaths::in_dir(dir.path(), "f");
    Identity::generate("e").unwrap().write(&e, false).unwrap();
    Identity::generate("f").unwrap().write(&f, false).unwrap();
    let mixed = IdentityPaths {
        cert: e.cert.clone(),
        key: f.key.clone(),
    };
    let err = Identity::load(&mixed).unwrap_err();
    assert!(matches!(err, NetError::KeyMismatch { .. }), "{err:?}");
}

/// cargo-mutants: a name of exactly 63 characters was never tried, so
/// `len() > 63` as `>= 63` survived.
#[test]
fn a_name_of_63_characters_is_accepted_and_64_refused() {
    let long = "a".repeat(63);
    let accepted = Identity::generate(&long);
    assert!(accepted.is_ok(), "{accepted:?}");
    let over = "a".repeat(64);
    assert!(matches!(
        Identity::generate(&over),
        Err(NetError::IdentityName { name }) if name == over
    ));
}

/// cargo-mutants: Debug printing nothing survived; it names the
/// fingerprint and never the key.
#[test]
fn debug_shows_the_fingerprint_and_redacts_the_key() {
    let id = Identity::generate("hospital-a").unwrap();
    let fp = id.fingerprint();
    assert_eq!(format!("{fp:?}"), format!("Fingerprint({fp})"));
    assert_eq!(
        format!("{id:?}"),
        format!("Identity {{ fingerprint: Fingerprint({fp}), key: \"<redacted>\" }}")
    );
}
