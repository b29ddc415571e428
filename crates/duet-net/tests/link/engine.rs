//! duet-core's engine over a real QUIC link, against plaintext.

use duet_core::{Channel, Engine, InsecureDealer, MsgKind, Ring, Role, Shared, Z64};
use duet_net::{LinkSummary, QuicChannel, Traffic};

use crate::{pair, quick, rng, STEP};

type Eng = Engine<QuicChannel, InsecureDealer>;

fn engines(c0: QuicChannel, c1: QuicChannel) -> (Eng, Eng) {
    let seed = [9u8; 32];
    (
        Engine::new(
            Role::P0,
            c0,
            InsecureDealer::new(Role::P0, seed),
            &mut rng(10),
        ),
        Engine::new(
            Role::P1,
            c1,
            InsecureDealer::new(Role::P1, seed),
            &mut rng(11),
        ),
    )
}

async fn input(e: &mut Eng, owner: Role, values: &[Z64]) -> Shared<Z64> {
    if e.role() == owner {
        e.share_input(values).await.unwrap()
    } else {
        e.receive_input(values.len()).await.unwrap()
    }
}

fn values(seed: u64, n: usize) -> Vec<Z64> {
    duet_core::ring::random_vec(&mut rng(seed), n)
}

/// Runs `body` on both engines over a fresh link; closes it; returns both
/// outputs and the agreed summary.
async fn over_quic<T, F>(p0_listens: bool, body: F) -> ((T, T), LinkSummary)
where
    F: AsyncFn(&mut Eng) -> T,
{
    let (c0, c1) = pair(p0_listens, &quick()).await;
    let (mut e0, mut e1) = engines(c0, c1);
    let run = async { tokio::join!(body(&mut e0), body(&mut e1)) };
    let out = tokio::time::timeout(STEP, run).await.unwrap();
    let (c0, _) = e0.into_parts();
    let (c1, _) = e1.into_parts();
    let close = async { tokio::join!(c0.close(), c1.close()) };
    let (s0, s1) = tokio::time::timeout(STEP, close).await.unwrap();
    let (s0, s1) = (s0.unwrap(), s1.unwrap());
    assert_eq!(s0.digest, s1.digest);
    (out, s0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_sum_matches_plaintext() {
    for n in [0usize, 1, 10_000_000] {
        let (xs, ys) = (values(1, n), values(2, n));
        let ((a, b), summary) = over_quic(n % 2 == 0, async |e| {
            let x = input(e, Role::P0, &xs).await;
            let y = input(e, Role::P1, &ys).await;
            let total = x.add(&y).unwrap().sum();
            e.open(&total).await.unwrap()
        })
        .await;
        let want = xs.iter().chain(&ys).fold(Z64(0), |a, &v| a + v);
        assert_eq!(a, vec![want]);
        assert_eq!(b, vec![want]);
        let input = summary.kinds.get(&MsgKind::INPUT.code).unwrap();
        // duet-core streams long inputs in frames of STREAM_CHUNK values.
        let one = Traffic {
            frames: n.div_ceil(duet_core::engine::STREAM_CHUNK).max(1) as u64,
            bytes: 8 * n as u64,
        };
        assert_eq!(
            (input.name, input.sent, input.received),
            ("input", one, one)
        );
        let open = summary.kinds.get(&MsgKind::OPEN.code).unwrap();
        assert_eq!(
            open.sent,
            Traffic {
                frames: 1,
                bytes: 8
            }
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beaver_product_and_comparison_match_plaintext() {
    let n = 1000;
    // Comparison is exact while x - y stays in the signed range: use 62-bit values.
    let small =
        |v: Vec<Z64>| -> Vec<Z64> { v.iter().map(|z| Z64(((z.0 as i64) >> 2) as u64)).collect() };
    let (mut xs, mut ys) = (small(values(3, n)), small(values(4, n)));
    // Duplicates and boundaries.
    xs[0] = Z64(5);
    ys[0] = Z64(5);
    xs[1] = Z64(u64::MAX);
    ys[1] = Z64(0);
    xs[2] = Z64::from_i128(-(1 << 62));
    ys[2] = Z64::from_i128((1 << 62) - 1);
    let ((a, b), _) = over_quic(true, async |e| {
        let x = input(e, Role::P0, &xs).await;
        let y = input(e, Role::P1, &ys).await;
        let prod = e.mul(&x, &y).await.unwrap();
        let lt = e.lt(&x, &y).await.unwrap();
        (e.open(&prod).await.unwrap(), e.open(&lt).await.unwrap())
    })
    .await;
    assert_eq!(a, b);
    for i in 0..n {
        assert_eq!(a.0[i], xs[i] * ys[i]);
        let lt = xs[i].to_i128() < ys[i].to_i128();
        assert_eq!(
            a.1[i],
            Z64::from_u64(u64::from(lt)),
            "{:?} < {:?}",
            xs[i],
            ys[i]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_of_every_size_cross_and_are_counted() {
    let mut cfg = quick();
    cfg.chunk_size(1000).lanes(3);
    let (mut c0, mut c1) = pair(false, &cfg).await;
    let sizes = [0usize, 1, 999, 1000, 1001, 3000, 3001, 250_000];
    let kind = MsgKind::new(0x05ff, "test");
    let go = async {
        for (i, &n) in sizes.iter().enumerate() {
            let data: Vec<u8> = (0..n).map(|j| (i + j) as u8).collect();
            c0.send(kind, data.clone()).await.unwrap();
            c1.send(kind, data.clone()).await.unwrap();
            assert_eq!(c1.recv(kind, n).await.unwrap(), data);
            assert_eq!(c0.recv(kind, n).await.unwrap(), data);
        }
        let (s0, s1) = tokio::join!(c0.close(), c1.close());
        (s0.unwrap(), s1.unwrap())
    };
    let (s0, s1) = tokio::time::timeout(STEP, go).await.unwrap();
    assert_eq!(s0.digest, s1.digest);
    let total = sizes.iter().sum::<usize>() as u64;
    let t = Traffic {
        frames: sizes.len() as u64,
        bytes: total,
    };
    assert_eq!(s0.totals(), (t, t));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_run_counts_exact_values_and_bytes() {
    let cfg = quick();
    for (n, batch) in [(1000usize, 300usize), (1, 0), (0, 0)] {
        let run = duet_net::bench::run(n, batch, &cfg);
        let r = tokio::time::timeout(STEP, run).await.unwrap().unwrap();
        assert_eq!(r.sum_values, 2 * n as u64);
        assert_eq!(r.sum_bytes, 2 * (8 * n as u64 + 8));
        assert_eq!(r.raw_bytes, r.sum_bytes);
        assert!(r.bytes_per_value() >= 8.0);
        assert_eq!(r.rounds, 1);
    }
    // Several rounds: medians of runs that each moved the same bytes.
    let run = duet_net::bench::run_rounds(500, 200, &cfg, 3);
    let r = tokio::time::timeout(STEP, run).await.unwrap().unwrap();
    assert_eq!(
        (r.rounds, r.sum_values, r.sum_bytes),
        (3, 1000, 2 * (8 * 500 + 8))
    );
    assert!(r.sum_secs > 0.0 && r.raw_secs > 0.0);
    // Zero rounds still run one.
    let run = duet_net::bench::run_rounds(10, 0, &cfg, 0);
    let r = tokio::time::timeout(STEP, run).await.unwrap().unwrap();
    assert_eq!((r.rounds, r.sum_values), (1, 20));
}
