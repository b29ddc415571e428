//! RFC 4231 HMAC-SHA256 known answers (tests/vectors/hmac_sha256_vectors.txt).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use duet_anon::pseudonym::{decode_hex, encode_hex};
use duet_anon::HmacKey;

fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        .expect("every vector line has this field")
}

#[test]
fn rfc4231_cases_1_to_7() {
    let text = include_str!("vectors/hmac_sha256_vectors.txt");
    let mut cases = 0;
    for line in text.lines().filter(|l| l.starts_with("hmac_sha256 ")) {
        let key = HmacKey::from_bytes(decode_hex(field(line, "key").as_bytes()).unwrap());
        let data = decode_hex(field(line, "data").as_bytes()).unwrap();
        let bits: usize = field(line, "trunc_bits").parse().unwrap();
        let mac = encode_hex(&key.mac(&data));
        assert_eq!(
            &mac[..bits / 4],
            field(line, "mac"),
            "case {}",
            field(line, "case")
        );
        cases += 1;
    }
    assert_eq!(cases, 7);
}

#[test]
fn pseudonym_is_the_truncated_hex_mac() {
    // RFC 4231 case 2: key "Jefe", data "what do ya want for nothing?".
    let key = HmacKey::from_bytes(b"Jefe".to_vec());
    assert_eq!(
        key.pseudonym("what do ya want for nothing?", 16),
        "5bdcc146bf60754e"
    );
    assert_eq!(decode_hex(b"0g"), None);
    assert_eq!(decode_hex(b"abc"), None);
}
