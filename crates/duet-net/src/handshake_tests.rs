//! The handshake's comparison names the first field the peer contradicts
//! with both values, and the verdict's field codes are wire values of
//! protocol version 2: a peer's `Reject(code)` is read back as the field
//! it names (cargo-mutants survivors, docs/MUTANTS.md; no honest pair of
//! sides reaches `PeerRejected`, since both compare the same fields, and
//! the link tests check the field of a mismatch, not its values), and a
//! control message's announced length is capped before it is allocated.

use super::*;

const FIELDS: [(Field, u8, &str); 4] = [
    (Field::Version, 1, "protocol version"),
    (Field::JobHash, 2, "job hash"),
    (Field::Role, 3, "role"),
    (Field::Lanes, 4, "number of data lanes"),
];

#[test]
fn each_field_has_its_wire_code_and_reads_back() {
    for (field, code, _) in FIELDS {
        assert_eq!(field.code(), code, "{field:?}");
        assert_eq!(Field::from_code(code), Some(field), "code {code}");
    }
}

#[test]
fn a_code_naming_no_field_is_none() {
    for code in [0, 5, u8::MAX] {
        assert_eq!(Field::from_code(code), None, "code {code}");
    }
}

#[test]
fn each_field_names_itself_in_messages() {
    for (field, _, text) in FIELDS {
        assert_eq!(field.to_string(), text);
        let e = NetError::PeerRejected { field };
        assert_eq!(
            e.to_string(),
            format!("the peer rejected the handshake on {text}")
        );
    }
}

/// A hello whose job hash is `first, first + 1, ..., first + 31`.
fn hello(version: u16, first: u8, role: u8, lanes: u16) -> Hello {
    Hello {
        version,
        job_hash: core::array::from_fn(|i| first.wrapping_add(i as u8)),
        role,
        lanes,
        nonce: [7; 32],
    }
}

fn named(e: Option<NetError>) -> (Field, String, String) {
    match e {
        Some(NetError::HandshakeMismatch {
            field,
            ours,
            theirs,
        }) => (field, ours, theirs),
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn compare_names_the_first_contradicted_field_with_both_values() {
    let ours = hello(2, 0xa0, 0, 4);
    assert!(compare(&ours, &hello(2, 0xa0, 1, 4)).is_none());
    let (s, t) = (String::from, String::from);
    assert_eq!(
        named(compare(&ours, &hello(3, 0x00, 0, 8))),
        (Field::Version, s("2"), t("3"))
    );
    assert_eq!(
        named(compare(&ours, &hello(2, 0x00, 0, 8))),
        (
            Field::JobHash,
            s("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"),
            t("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
        )
    );
    assert_eq!(
        named(compare(&ours, &hello(2, 0xa0, 0, 8))),
        (Field::Role, s("P0"), t("P0"))
    );
    assert_eq!(
        named(compare(&ours, &hello(2, 0xa0, 2, 4))),
        (Field::Role, s("P0"), t("P2"))
    );
    assert_eq!(
        named(compare(&ours, &hello(2, 0xa0, 1, 8))),
        (Field::Lanes, s("4"), t("8"))
    );
}

#[test]
fn the_verdict_names_the_field_compare_found() {
    let ours = hello(2, 0xa0, 0, 4);
    let cases = [
        (hello(3, 0xa0, 1, 4), Field::Version),
        (hello(2, 0x00, 1, 4), Field::JobHash),
        (hello(2, 0xa0, 0, 4), Field::Role),
        (hello(2, 0xa0, 1, 8), Field::Lanes),
    ];
    for (peer, field) in cases {
        let e = compare(&ours, &peer).unwrap();
        assert_eq!(field_of(&e), field);
    }
}

#[test]
fn a_control_length_over_the_limit_is_refused_before_allocating() {
    let limit = CONTROL_LIMIT as u32;
    for ok in [0, 1, limit] {
        assert_eq!(control_len(ok.to_le_bytes()).unwrap(), ok as usize);
    }
    for over in [limit + 1, u32::MAX] {
        let got = control_len(over.to_le_bytes());
        assert!(
            matches!(got, Err(CodecError::TooLarge { len }) if len == u64::from(over)),
            "{over}: {got:?}"
        );
    }
}
