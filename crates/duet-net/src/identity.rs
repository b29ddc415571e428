//! Institution identities: a self-signed certificate and its key, and the
//! SHA-256 fingerprint the other side pins.

use core::fmt;
use core::str::FromStr;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::NetError;

/// SHA-256 of a certificate's DER encoding, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Constant-time equality, used on the authentication path (fingerprints
    /// are public, so `==` is fine elsewhere).
    pub fn ct_eq(&self, other: &Fingerprint) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a fingerprint string was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FingerprintError {
    /// Not 64 hex digits (colons between byte pairs are allowed).
    #[error("a SHA-256 fingerprint has 64 hex digits, found {found}")]
    Length {
        /// Hex digits found.
        found: usize,
    },
    /// A character that is not a hex digit.
    #[error("invalid character {found:?} in fingerprint")]
    Character {
        /// The character.
        found: char,
    },
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    /// Parses 64 hex digits, either case, optionally with `:` separators.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits: Vec<u8> = s
            .trim()
            .chars()
            .filter(|&c| c != ':')
            .map(|c| match c.to_digit(16) {
                Some(d) => Ok(d as u8),
                None => Err(FingerprintError::Character { found: c }),
            })
            .collect::<Result<_, _>>()?;
        if digits.len() != 64 {
            return Err(FingerprintError::Length {
                found: digits.len(),
            });
        }
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            *o = pair.first().copied().unwrap_or(0) << 4 | pair.get(1).copied().unwrap_or(0);
        }
        Ok(Fingerprint(out))
    }
}

/// Where an identity's certificate and key live (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPaths {
    /// The certificate, shareable.
    pub cert: PathBuf,
    /// The private key, written with mode 0600.
    pub key: PathBuf,
}

impl IdentityPaths {
    /// `<dir>/<name>.cert.pem` and `<dir>/<name>.key.pem`.
    pub fn in_dir(dir: impl AsRef<Path>, name: &str) -> IdentityPaths {
        let dir = dir.as_ref();
        IdentityPaths {
            cert: dir.join(format!("{name}.cert.pem")),
            key: dir.join(format!("{name}.key.pem")),
        }
    }
}

/// An institution's TLS identity: a self-signed certificate and its private
/// key (PKCS#8, zeroized on drop, never printed).
pub struct Identity {
    cert: CertificateDer<'static>,
    key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("fingerprint", &self.fingerprint())
            .field("key", &"<redacted>")
            .finish()
    }
}

fn check_name(name: &str) -> Result<(), NetError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if name.is_empty() || name.len() > 63 || !name.chars().all(ok_char) {
        return Err(NetError::IdentityName {
            name: name.to_owned(),
        });
    }
    Ok(())
}

impl Identity {
    /// A fresh ECDSA P-256 key and a self-signed certificate naming `name`
    /// (ASCII letters, digits, `-` and `.`, at most 63 characters). The key
    /// comes from the operating system's generator (through rcgen and ring).
    pub fn generate(name: &str) -> Result<Identity, NetError> {
        check_name(name)?;
        let ck = rcgen::generate_simple_self_signed(vec![name.to_owned()])
            .map_err(|e| NetError::Keygen(e.to_string()))?;
        Ok(Identity {
            cert: ck.cert.der().clone(),
            key: Zeroizing::new(ck.key_pair.serialize_der()),
        })
    }

    /// The SHA-256 fingerprint of the certificate: what the peer pins.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_der(&self.cert)
    }

    /// The certificate, DER-encoded.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert
    }

    pub(crate) fn cert(&self) -> CertificateDer<'static> {
        self.cert.clone()
    }

    pub(crate) fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.to_vec()))
    }

    /// Writes the certificate and key as PEM; the key file gets mode 0600.
    /// Refuses to replace an existing file unless `force`.
    pub fn write(&self, paths: &IdentityPaths, force: bool) -> Result<(), NetError> {
        for path in [&paths.cert, &paths.key] {
            if !force && path.exists() {
                return Err(NetError::FileExists { path: path.clone() });
            }
        }
        let key_pem = Zeroizing::new(pem("PRIVATE KEY", &self.key));
        write_file(&paths.key, key_pem.as_bytes(), 0o600, force)?;
        write_file(
            &paths.cert,
            pem("CERTIFICATE", &self.cert).as_bytes(),
            0o644,
            force,
        )
    }

    /// What `duet keygen` does: generates an identity named `name`, writes
    /// it to `<dir>/<name>.cert.pem` and `<dir>/<name>.key.pem` (refusing to
    /// overwrite unless `force`), and returns the fingerprint to give the peer.
    pub fn keygen(dir: &Path, name: &str, force: bool) -> Result<Fingerprint, NetError> {
        let id = Identity::generate(name)?;
        id.write(&IdentityPaths::in_dir(dir, name), force)?;
        Ok(id.fingerprint())
    }

    /// Reads an identity written by [`Identity::write`]. Refuses (on Unix)
    /// a key file the group or others may read, and a key that is not the
    /// certificate's.
    pub fn load(paths: &IdentityPaths) -> Result<Identity, NetError> {
        let bad = |path: &Path| {
            let path = path.to_path_buf();
            move |e: rustls::pki_types::pem::Error| NetError::Pem {
                path,
                reason: e.to_string(),
            }
        };
        let cert = CertificateDer::from_pem_file(&paths.cert).map_err(bad(&paths.cert))?;
        let key = PrivatePkcs8KeyDer::from_pem_file(&paths.key).map_err(bad(&paths.key))?;
        check_key_mode(&paths.key)?;
        let id = Identity {
            cert,
            key: Zeroizing::new(key.secret_pkcs8_der().to_vec()),
        };
        id.check_pair(paths)?;
        Ok(id)
    }

    /// Refuses a key that does not belong to the certificate (found now,
    /// not when a peer connects).
    fn check_pair(&self, paths: &IdentityPaths) -> Result<(), NetError> {
        let signing = rustls::crypto::ring::sign::any_supported_type(&self.key()).map_err(|e| {
            NetError::Pem {
                path: paths.key.clone(),
                reason: format!("not a usable private key: {e}"),
            }
        })?;
        let pair = rustls::sign::CertifiedKey::new(vec![self.cert()], signing);
        match pair.keys_match() {
            Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
                Err(NetError::KeyMismatch {
                    key: paths.key.clone(),
                    cert: paths.cert.clone(),
                })
            }
            // A key type whose public half rustls cannot derive: the TLS
            // handshake still proves the pair.
            _ => Ok(()),
        }
    }
}

/// On Unix, refuses a key file that the group or others may read.
fn check_key_mode(path: &Path) -> Result<(), NetError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| NetError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(NetError::KeyReadable {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn pem(label: &str, der: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut body = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let b = [0, 1, 2].map(|i| chunk.get(i).copied().unwrap_or(0) as u32);
        let n = b[0] << 16 | b[1] << 8 | b[2];
        for k in 0..4 {
            if k <= chunk.len() {
                body.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                body.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn write_file(path: &Path, data: &[u8], mode: u32, force: bool) -> Result<(), NetError> {
    let io = |source| NetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut opts = OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(mode);
        let mut f = opts.open(path).map_err(io)?;
        // An overwritten file keeps its old mode: narrow it before writing.
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
        f.write_all(data).map_err(io)?;
        f.sync_all().map_err(io)
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(data).map_err(io)?;
        f.sync_all().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_hex_roundtrip_and_errors() {
        let fp = Fingerprint::of_der(b"abc");
        let hex = fp.to_string();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex.parse::<Fingerprint>(), Ok(fp));
        assert_eq!(hex.to_uppercase().parse::<Fingerprint>(), Ok(fp));
        assert_eq!(
            "ab:cd".parse::<Fingerprint>(),
            Err(FingerprintError::Length { found: 4 })
        );
        assert_eq!(
            "zz".parse::<Fingerprint>(),
            Err(FingerprintError::Character { found: 'z' })
        );
    }

    #[test]
    fn pem_matches_known_base64() {
        assert_eq!(
            pem("X", b"foob"),
            "-----BEGIN X-----\nZm9vYg==\n-----END X-----\n"
        );
        assert_eq!(
            pem("X", b"foo"),
            "-----BEGIN X-----\nZm9v\n-----END X-----\n"
        );
        assert_eq!(
            pem("X", b"fo"),
            "-----BEGIN X-----\nZm8=\n-----END X-----\n"
        );
    }

    #[test]
    fn rejects_bad_names() {
        for name in ["", "a b", "x/y", &"a".repeat(64)] {
            assert!(matches!(
                Identity::generate(name),
                Err(NetError::IdentityName { .. })
            ));
        }
    }
}
