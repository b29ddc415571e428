//! The study with real two-party preprocessing (OT-based, no dealer): the
//! same released values as with the test dealer, and the future is `Send`
//! so a multi-threaded runtime can spawn it.

use duet_core::{Engine, MemoryChannel, Role};
use duet_ot::OtPreprocessing;
use duet_stats::{run_study, Plan};
use futures::executor::block_on;
use rand::SeedableRng;

use super::common::{aggregate, fixture_results, local, read};

#[test]
fn ot_preprocessing_releases_the_same_results() {
    let (job, _, with_dealer, _) = fixture_results();
    let plan = Plan::new(&job).unwrap();
    let (a, _) = aggregate(&job, &plan, &local("local_a.toml"), &read("a.csv")).unwrap();
    let (b, _) = aggregate(&job, &plan, &local("local_b.toml"), &read("b.csv")).unwrap();
    let (c0, c1) = MemoryChannel::pair();
    let mut r0 = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let mut r1 = rand_chacha::ChaCha20Rng::seed_from_u64(12);
    let sid = [5u8; 32];
    let p0 = OtPreprocessing::new(Role::P0, sid, &mut r0);
    let p1 = OtPreprocessing::new(Role::P1, sid, &mut r1);
    let mut e0 = Engine::new(Role::P0, c0, p0, &mut r0);
    let mut e1 = Engine::new(Role::P1, c1, p1, &mut r1);
    let p = job.policy().clone();
    let f0 = run_study(&mut e0, &job, &plan, &p, &a);
    let f1 = run_study(&mut e1, &job, &plan, &p, &b);
    assert_send(&f0);
    let (x, y) = block_on(futures::future::join(f0, f1));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x, y);
    assert_eq!(x.revealed, with_dealer.revealed);
    super::common::assert_same_statistics(&x.statistics, &with_dealer.statistics);
}

fn assert_send<T: Send>(_: &T) {}
