//! A pooled fixed-point mean of two parties' private values, through the
//! facade's re-exports, checked against the plaintext mean.

use duet::duet_core::InsecureDealer;
use duet::{Engine, FixedPoint, MemoryChannel, Ring, Role, Z64};
use futures::executor::block_on;
use rand::SeedableRng;

#[test]
fn pooled_mean_of_two_private_columns() {
    let fp = FixedPoint::new(16).unwrap();
    let a = ["120.5", "133.25", "98"];
    let b = ["141.75", "110", "125.5", "-3.25"];
    let enc = |v: &[&str]| {
        v.iter()
            .map(|s| fp.encode_decimal::<Z64>(s).unwrap())
            .collect::<Vec<_>>()
    };
    let (xa, xb) = (enc(&a), enc(&b));
    let n = (a.len() + b.len()) as f64;
    let (c0, c1) = MemoryChannel::pair();
    let mut r = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let mut p0 = Engine::new(Role::P0, c0, InsecureDealer::new(Role::P0, [3; 32]), &mut r);
    let mut p1 = Engine::new(Role::P1, c1, InsecureDealer::new(Role::P1, [3; 32]), &mut r);
    let inv_n = fp.encode_f64::<Z64>(1.0 / n).unwrap();
    let party0 = async {
        let mine = p0.share_input(&xa).await?.sum();
        let theirs = p0.receive_input::<Z64>(1).await?;
        let total = mine.add(&theirs).unwrap();
        let mean = p0.trunc(&total.mul_scalar(inv_n), 16).await?;
        p0.open(&mean).await
    };
    let party1 = async {
        let theirs = p1.receive_input::<Z64>(xa.len()).await?.sum();
        let mine = p1
            .share_input(&[xb.iter().fold(Z64::ZERO, |s, &v| s + v)])
            .await?;
        let total = theirs.add(&mine).unwrap();
        let mean = p1.trunc(&total.mul_scalar(inv_n), 16).await?;
        p1.open(&mean).await
    };
    let (m0, m1) = block_on(futures::future::join(party0, party1));
    let (m0, m1) = (m0.unwrap(), m1.unwrap());
    assert_eq!(m0, m1);
    let plain: f64 = a
        .iter()
        .chain(&b)
        .map(|s| s.parse::<f64>().unwrap())
        .sum::<f64>()
        / n;
    // 1/n is encoded within 2^-17, which the total scales; the truncation
    // adds at most 2^-16 (one unit in the last place).
    let total: f64 = plain * n;
    let tolerance = total.abs() * 2f64.powi(-17) + 2f64.powi(-16);
    let got = fp.decode_f64(m0[0]);
    assert!((got - plain).abs() <= tolerance, "{got} vs {plain}");
}
