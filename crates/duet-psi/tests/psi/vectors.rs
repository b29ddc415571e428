//! RFC 9496 ristretto255 vectors (tests/data/ristretto255_vectors.txt,
//! provenance in its header): encodings of multiples of the generator,
//! invalid encodings our decoder must reject, and the one-way map.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use duet_psi::group::decode;
use duet_psi::PsiError;

const DATA: &str = include_str!("../data/ristretto255_vectors.txt");

/// `(kind, [(key, value)])` of each vector line.
fn vectors() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    DATA.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let kind = parts.next().unwrap();
            (kind, parts.map(|kv| kv.split_once('=').unwrap()).collect())
        })
        .collect()
}

fn field<'a>(v: &[(&str, &'a str)], key: &str) -> &'a str {
    v.iter().find(|(k, _)| *k == key).unwrap().1
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn of_kind(kind: &str) -> Vec<Vec<(&'static str, &'static str)>> {
    vectors()
        .into_iter()
        .filter(|v| v.0 == kind)
        .map(|v| v.1)
        .collect()
}

#[test]
fn multiples_of_the_generator_encode_and_decode() {
    let all = of_kind("r255_multiple");
    assert_eq!(all.len(), 16);
    for v in all {
        let k: u64 = field(&v, "k").parse().unwrap();
        let enc = hex(field(&v, "enc"));
        let p = RISTRETTO_BASEPOINT_POINT * Scalar::from(k);
        assert_eq!(p.compress().as_bytes().to_vec(), enc, "k = {k}");
        let decoded = decode("vector", &enc, 0);
        if k == 0 {
            // The identity decodes, but PSI refuses it from a peer.
            assert!(matches!(decoded, Err(PsiError::IdentityPoint { .. })));
        } else {
            assert_eq!(decoded.unwrap(), p, "k = {k}");
        }
    }
}

#[test]
fn invalid_encodings_are_rejected() {
    let all = of_kind("r255_invalid");
    assert_eq!(all.len(), 29);
    for (i, v) in all.iter().enumerate() {
        let enc = hex(field(v, "enc"));
        let c = CompressedRistretto::from_slice(&enc).unwrap();
        assert!(c.decompress().is_none(), "vector {i}");
        assert!(
            matches!(decode("vector", &enc, i), Err(PsiError::InvalidPoint { index, .. }) if index == i),
            "vector {i}"
        );
    }
}

#[test]
fn one_way_map_from_uniform_bytes() {
    let all = of_kind("r255_uniform");
    assert_eq!(all.len(), 11);
    for v in all {
        let input: [u8; 64] = hex(field(&v, "in")).try_into().unwrap();
        let out = hex(field(&v, "out"));
        let p = RistrettoPoint::from_uniform_bytes(&input);
        assert_eq!(p.compress().as_bytes().to_vec(), out);
    }
}

#[test]
fn the_file_holds_every_class() {
    let kinds: Vec<&str> = vectors().iter().map(|v| v.0).collect();
    // sqrt_ratio vectors are kept for completeness; dalek does not export the function.
    for k in [
        "r255_multiple",
        "r255_invalid",
        "r255_uniform",
        "r255_sqrt_ratio",
    ] {
        assert!(kinds.contains(&k), "{k}");
    }
    assert_eq!(
        decode("short", &[1u8; 31], 3).unwrap_err().to_string(),
        "short: point 3 from the peer is not a valid ristretto255 encoding"
    );
}

/// Our hash-to-group is `hash_from_bytes::<Sha512>(TAG || sid || id)`; the
/// pinned encodings keep both parties' versions (and any rewrite) in step.
#[test]
fn identifier_hash_is_pinned() {
    use duet_psi::group::{IdHasher, TAG};
    use sha2::Sha512;
    let sid = [0x11u8; 32];
    let h = IdHasher::new(&sid);
    for (id, want) in [
        ("alice", PINNED_ALICE),
        ("李小龙", PINNED_CJK),
        ("", PINNED_EMPTY),
    ] {
        let m = [TAG, &sid[..], id.as_bytes()].concat();
        let reference = RistrettoPoint::hash_from_bytes::<Sha512>(&m);
        let ours = h.hash(id.as_bytes());
        assert_eq!(ours, reference, "{id}");
        let hexed: String = ours
            .compress()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hexed, want, "{id}");
    }
}

const PINNED_ALICE: &str = "3853deac628fb63701cdc093f1bf8151d2f04d4c33aab6be3888d46e814f6e27";
const PINNED_CJK: &str = "4c5e506944a87423a4f5657b762c3d80e00db27b06e418eeda03b9fc3e21ae0e";
const PINNED_EMPTY: &str = "9e271ddca02541a0d92ea4c79546f9355420c7283cd31f1deddd4f74ce876441";
