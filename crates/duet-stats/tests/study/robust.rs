//! Hostile input: random job text and CSV bytes never panic, and a
//! deviating peer ends the run with a typed error.

use duet_core::{Channel, Engine, InsecureDealer, MemoryChannel, Role, Shared, Z64};
use duet_stats::protocol::HELLO;
use duet_stats::release::{gated_len, GateError};
use duet_stats::{run_study, Job, Plan, ProtocolError};
use futures::executor::block_on;
use proptest::prelude::*;
use rand::SeedableRng;

use super::common::{aggregate, fixture_job, local, read};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn mutated_job_text_is_accepted_or_refused(at in 0usize..2000, byte in any::<u8>()) {
        let mut text = read("job.toml").into_bytes();
        let at = at % text.len();
        text[at] = byte;
        if let Ok(s) = String::from_utf8(text) {
            let _ = Job::from_toml_str(&s).map(|j| Plan::new(&j));
        }
    }

    #[test]
    fn random_csv_is_loaded_or_refused(body in "[a-z0-9.,\"\n -]{0,200}") {
        let job = fixture_job();
        let plan = Plan::new(&job).unwrap();
        let text = format!("sbp,age,smoker,sex,region\n{body}");
        if let Ok((agg, log)) = aggregate(&job, &plan, &local("local_a.toml"), &text) {
            prop_assert_eq!(agg.values()[0], i128::from(log.rows_used as u32));
        }
    }
}

fn hello_bytes(job: &Job, plan: &Plan, ratio: f64) -> Vec<u8> {
    let mut h = job.hash().to_vec();
    for w in [plan.len() as u64, 5, 5, ratio.to_bits(), 0, 3, 100] {
        h.extend_from_slice(&w.to_le_bytes());
    }
    h
}

/// Runs P0 honestly against a peer scripted by `peer`; returns P0's error.
/// P0 drops its engine when it fails, as a process would, so a peer still
/// waiting for it fails too instead of waiting forever.
pub(super) fn against<F: AsyncFnOnce(Engine<MemoryChannel, InsecureDealer>)>(
    peer: F,
) -> ProtocolError {
    let job = fixture_job();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let mut e0 = Engine::new(
        Role::P0,
        c0,
        InsecureDealer::new(Role::P0, [4; 32]),
        &mut rng,
    );
    let e1 = Engine::new(
        Role::P1,
        c1,
        InsecureDealer::new(Role::P1, [4; 32]),
        &mut rng,
    );
    let p = job.policy().clone();
    let honest = async move { run_study(&mut e0, &job, &plan, &p, &a).await };
    let (r0, ()) = block_on(futures::future::join(honest, peer(e1)));
    r0.unwrap_err()
}

#[test]
fn a_malformed_hello_is_refused() {
    let e = against(async |mut e1| {
        e1.channel().send(HELLO, vec![0; 10]).await.unwrap();
    });
    assert!(matches!(e, ProtocolError::BadHello { len: 10 }));
    let e = against(async |mut e1| {
        let job = fixture_job();
        let plan = Plan::new(&job).unwrap();
        e1.channel()
            .send(HELLO, hello_bytes(&job, &plan, 0.0))
            .await
            .unwrap();
    });
    assert!(matches!(e, ProtocolError::BadHello { len: 88 }));
    let e = against(async |mut e1| {
        let job = fixture_job();
        let mut h = hello_bytes(&job, &Plan::new(&job).unwrap(), 0.33);
        h[32] ^= 1;
        e1.channel().send(HELLO, h).await.unwrap();
    });
    assert!(matches!(e, ProtocolError::PlanMismatch { .. }));
}

#[test]
fn a_peer_opening_a_bit_other_than_0_or_1_is_caught() {
    let e = against(async |mut e1| {
        let job = fixture_job();
        let plan = Plan::new(&job).unwrap();
        e1.channel()
            .send(HELLO, hello_bytes(&job, &plan, 0.33))
            .await
            .unwrap();
        e1.channel().recv(HELLO, 88).await.unwrap();
        e1.share_input(&vec![Z64(0); plan.len()]).await.unwrap();
        e1.receive_input::<Z64>(plan.len()).await.unwrap();
        let n = gated_len(&job, &plan, job.policy());
        let zeros = Shared::from_shares(vec![Z64(0); n]);
        // The gate compares on the bits every count needs (see threshold.rs).
        let bits = 64 - plan.count_bound().leading_zeros() + 2;
        let below = e1.ltz_within(&zeros, bits).await.unwrap();
        // The per-party rule: both sides' known bits OR-ed (this side's
        // are 0, so its share of the OR is minus its share of the AND).
        let sides = e1
            .and_known_bits::<Z64>("rule bits", &vec![0u8; n])
            .await
            .unwrap()
            .neg();
        let both = e1.mul_bit(&below, &sides).await.unwrap();
        let below = below.add(&sides).unwrap().sub(&both).unwrap();
        let skewed: Vec<Z64> = below.shares().iter().map(|&s| s + Z64(2)).collect();
        let _ = e1.open(&Shared::from_shares(skewed)).await;
    });
    assert!(matches!(
        e,
        ProtocolError::Gate(GateError::BadBit { index: 0 })
    ));
}
