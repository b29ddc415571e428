//! `duet bench`: protocol throughput over loopback QUIC, beside the raw
//! QUIC rate measured in the same run.

use std::time::Instant;

use anyhow::Context;
use duet_core::{ring::random_vec, Engine, Needs, Role, Shared, Z64};
use duet_net::{dial, Handshake, Identity, LinkConfig, LinkSummary, Listener, QuicChannel};
use duet_ot::OtPreprocessing;
use duet_stats::job::{OtChoice, DEFAULT_OT_EXTENSION};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::Output;

/// Arguments of `duet bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Values each party inputs to the secure sum (raw QUIC moves the same bytes).
    #[arg(long, default_value_t = 10_000_000)]
    values: usize,
    /// Beaver triples (Z_2^64) made by OT, then used by as many multiplications.
    #[arg(long, default_value_t = 1_000_000)]
    triples: usize,
    /// Comparisons, end to end (their OT preprocessing included).
    #[arg(long, default_value_t = 100_000)]
    comparisons: usize,
    /// Rounds of raw transfer and secure sum, alternating; the medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Records of a logistic regression (two predictors, default options),
    /// end to end with its OT preprocessing; 0 skips it. The sealed fit
    /// takes them all from P0; opened iterates split them half per side.
    #[arg(long, default_value_t = 500)]
    logistic_records: usize,
    /// The logistic fit: sealed (every record on shares) or
    /// opened-iterates (as `fit` in a job's logistic_regression).
    #[arg(long, default_value = "sealed", value_parser = ["sealed", "opened-iterates"])]
    logistic_fit: String,
    /// The OT extension of every OT phase: iknp, softspoken-2,
    /// softspoken-4 or softspoken-8 (as `protocol.ot_extension` in a job).
    #[arg(long, default_value_t = DEFAULT_OT_EXTENSION)]
    ot: OtChoice,
}

/// What one party measured on one link.
struct Phase {
    secs: f64,
    online_secs: f64,
    summary: LinkSummary,
    /// Newton steps of an opened-iterates fit (0 otherwise).
    steps: u32,
}

/// Runs every measurement and prints them.
pub(crate) fn run(args: &Args, out: Output) -> anyhow::Result<()> {
    let config = LinkConfig::default();
    // The sum keeps the default runtime (a worker per core): its masking
    // is light, and more workers than cores made it slower (0.35-0.39 s
    // against 0.41-0.45 s with 3 or 4 workers on 2 cores). The OT phases
    // need a worker to spare per party (see `runtime::for_parties`).
    let sum = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(duet_net::bench::run_rounds(
            args.values,
            duet_net::bench::DEFAULT_BATCH,
            &config,
            args.rounds,
        ))?;
    let (triples, cmp, fit) = crate::runtime::for_parties(2)?.block_on(async {
        let triples = on_link(&config, args.ot, args.triples, Work::TriplesThenMul).await?;
        let cmp = on_link(&config, args.ot, args.comparisons, Work::Compare).await?;
        let work = match args.logistic_fit.as_str() {
            "opened-iterates" => Work::LogisticOpened,
            _ => Work::Logistic,
        };
        let fit = match args.logistic_records {
            0 => None,
            n => Some(on_link(&config, args.ot, n, work).await?),
        };
        anyhow::Ok((triples, cmp, fit))
    })?;
    print(args, &sum, &[&triples, &cmp], fit.as_ref(), out);
    Ok(())
}

#[derive(Clone, Copy)]
enum Work {
    TriplesThenMul,
    Compare,
    Logistic,
    LogisticOpened,
}

async fn on_link(config: &LinkConfig, ot: OtChoice, n: usize, work: Work) -> anyhow::Result<Phase> {
    let (c0, c1) = link_pair(config).await?;
    let p0 = tokio::spawn(party(Role::P0, c0, ot, n, work));
    let p1 = tokio::spawn(party(Role::P1, c1, ot, n, work));
    let (r0, r1) = (p0.await.context("party 0")?, p1.await.context("party 1")?);
    let (a, b) = (r0?, r1?);
    Ok(Phase {
        secs: a.secs.max(b.secs),
        online_secs: a.online_secs.max(b.online_secs),
        summary: a.summary,
        steps: a.steps,
    })
}

async fn party(
    role: Role,
    ch: QuicChannel,
    ot: OtChoice,
    n: usize,
    work: Work,
) -> anyhow::Result<Phase> {
    let mut rng = ChaCha20Rng::seed_from_u64(role.index() as u64);
    let pre =
        OtPreprocessing::new(role, ch.session_id().0, &mut rng).with_extension(ot.extension());
    let mut engine = Engine::new(role, ch, pre, &mut rng);
    let x = match work {
        Work::TriplesThenMul | Work::Compare => random_vec::<Z64, _>(&mut rng, n),
        Work::Logistic | Work::LogisticOpened => vec![],
    };
    let x = Shared::from_shares(x);
    let mut steps = 0;
    let start = Instant::now();
    let online = match work {
        Work::TriplesThenMul => {
            engine
                .preprocess::<Z64>(Needs {
                    triples: n,
                    ..Needs::default()
                })
                .await?;
            let online = Instant::now();
            drop(engine.mul(&x, &x).await?);
            online.elapsed()
        }
        Work::Compare => {
            drop(engine.ltz(&x).await?);
            start.elapsed()
        }
        Work::Logistic => {
            drop(logistic_fit(&mut engine, n).await?);
            start.elapsed()
        }
        Work::LogisticOpened => {
            let fit = opened_fit(&mut engine, n).await?;
            steps = fit.fit.iterations;
            start.elapsed()
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let (ch, _) = engine.into_parts();
    let summary = ch.close().await?;
    Ok(Phase {
        secs,
        online_secs: online.as_secs_f64(),
        summary,
        steps,
    })
}

/// `n` synthetic records: age and BMI within their declared bounds, the
/// outcome drawn from a known model.
fn synthetic_records(seed: u64, n: usize) -> impl Iterator<Item = [f64; 3]> {
    use rand::Rng;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n).map(move |_| {
        let (age, bmi) = (rng.gen_range(18.0..90.0), rng.gen_range(15.0..45.0));
        let p = 1.0 / (1.0 + f64::exp(5.0 - 0.05 * age - 0.05 * bmi));
        [age, bmi, f64::from(u8::from(rng.gen_bool(p)))]
    })
}

/// The bounds the synthetic records are declared with.
fn synthetic_bounds() -> Vec<duet_stats::secure::logistic::Standardization> {
    use duet_stats::secure::logistic::Standardization;
    vec![
        Standardization::from_bounds(18.0, 90.0),
        Standardization::from_bounds(15.0, 45.0),
    ]
}

/// An opened-iterates fit on `n` synthetic records in all, half per side
/// (each side draws its own).
async fn opened_fit<C: duet_core::Channel, P: duet_core::Preprocessing>(
    engine: &mut Engine<C, P>,
    n: usize,
) -> anyhow::Result<duet_stats::secure::logistic::OpenedFit> {
    use duet_stats::secure::logistic::{fit_opened, LogisticOptions, OwnRecords};
    let st = synthetic_bounds();
    let mut own = OwnRecords::new(3);
    let seed = 78 + engine.role().index() as u64;
    for [age, bmi, y] in synthetic_records(seed, n / 2) {
        let x = [age, bmi]
            .iter()
            .zip(&st)
            .map(|(v, s)| (v - s.center) / s.scale)
            .collect::<Vec<_>>();
        own.push(&x, y > 0.5)?;
    }
    let options = LogisticOptions::default().with_iterations(20);
    Ok(fit_opened(engine, &own, &st, n, &options).await?)
}

/// A sealed logistic fit on `n` synthetic records, input by P0.
async fn logistic_fit<C: duet_core::Channel, P: duet_core::Preprocessing>(
    engine: &mut Engine<C, P>,
    n: usize,
) -> anyhow::Result<duet_stats::secure::logistic::LogisticFit> {
    use duet_stats::secure::logistic::{fit_logistic, LogisticInput, LogisticOptions};
    let options = LogisticOptions::default();
    let fp = duet_core::FixedPoint::new(options.frac_bits)?;
    let mut cols: Vec<Vec<Z64>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
    for [age, bmi, y] in synthetic_records(77, n) {
        for (c, v) in cols.iter_mut().zip([1.0, age, bmi, y]) {
            c.push(fp.encode_f64::<Z64>(v)?);
        }
    }
    let mut shared = Vec::with_capacity(4);
    for c in &cols {
        shared.push(match engine.role() {
            Role::P0 => engine.share_input(c).await?,
            Role::P1 => engine.receive_input::<Z64>(n).await?,
        });
    }
    let y = shared.pop().context("the outcome column")?;
    let input = LogisticInput::new(shared, y, synthetic_bounds())?;
    Ok(fit_logistic(engine, &input, &options).await?)
}

async fn link_pair(config: &LinkConfig) -> anyhow::Result<(QuicChannel, QuicChannel)> {
    let a = Identity::generate("bench-a")?;
    let b = Identity::generate("bench-b")?;
    let listener = Listener::bind("127.0.0.1:0".parse()?, &b, a.fingerprint(), config)?;
    let addr = listener.local_addr()?;
    let job = [0x42; 32];
    let (h0, h1) = (Handshake::new(job, Role::P0), Handshake::new(job, Role::P1));
    let (mut r0, mut r1) = (
        ChaCha20Rng::seed_from_u64(10),
        ChaCha20Rng::seed_from_u64(11),
    );
    let (c0, c1) = tokio::join!(
        dial(addr, &a, b.fingerprint(), &h0, config, &mut r0),
        listener.accept(&h1, &mut r1)
    );
    Ok((c0?, c1?))
}

/// Bytes both directions of the OT kinds (codes 0x02xx) on a link.
fn ot_bytes(s: &LinkSummary) -> u64 {
    s.kinds
        .iter()
        .filter(|(code, _)| **code >> 8 == 0x02)
        .map(|(_, k)| k.sent.bytes + k.received.bytes)
        .sum()
}

fn print(
    args: &Args,
    sum: &duet_net::bench::BenchReport,
    [t, c]: &[&Phase; 2],
    fit: Option<&Phase>,
    out: Output,
) {
    let raw = sum.raw_rate();
    let triple_bytes = ot_bytes(&t.summary) as f64 / args.triples.max(1) as f64;
    let triple_secs = t.secs - t.online_secs;
    let triples_per_sec = args.triples as f64 / triple_secs;
    let bound = raw / triple_bytes;
    let cmp_bytes = link_bytes(&c.summary) as f64 / args.comparisons.max(1) as f64;
    let cmp_rate = args.comparisons as f64 / c.secs;
    let fit_json = fit.map(|f| {
        let per = link_bytes(&f.summary) as f64 / args.logistic_records.max(1) as f64;
        serde_json::json!({ "fit": args.logistic_fit, "records": args.logistic_records, "secs": f.secs, "bytes_per_record": per, "bandwidth_bound_secs": per * args.logistic_records as f64 / raw, "newton_steps": f.steps })
    });
    let v = serde_json::json!({
        "raw_quic_bytes_per_sec": raw,
        "ot_extension": args.ot.name(),
        "secure_sum": { "values_per_sec": sum.values_per_sec(), "bytes_per_value": sum.bytes_per_value(), "ratio_to_raw": sum.ratio(), "rounds": sum.rounds },
        "ot_triples_z64": { "per_sec": triples_per_sec, "bytes_per_triple": triple_bytes, "bandwidth_bound_per_sec": bound, "fraction_of_bound": triples_per_sec / bound },
        "beaver_mul_online_per_sec": args.triples as f64 / t.online_secs,
        "comparisons_end_to_end_per_sec": cmp_rate,
        "comparison_bytes_each": cmp_bytes,
        "comparison_bandwidth_bound_per_sec": raw / cmp_bytes,
        "logistic_fit": fit_json,
    });
    if out.json {
        println!("{v}");
        return;
    }
    if out.quiet {
        return;
    }
    println!("duet bench: loopback QUIC, both parties in this process\n");
    println!("{sum}\n");
    println!(
        "OT Beaver triples (Z_2^64, {}): {:.0}/s, {:.0} bytes/triple (both directions); the link's bound is {:.0}/s, reached {:.0}%",
        args.ot,
        triples_per_sec,
        triple_bytes,
        bound,
        100.0 * triples_per_sec / bound
    );
    println!(
        "Beaver multiplication, online over QUIC: {:.2} M/s",
        args.triples as f64 / t.online_secs / 1e6
    );
    println!(
        "comparison, end to end with its OT preprocessing: {:.0}/s ({} values), {:.0} bytes each; the link's bound is {:.0}/s",
        cmp_rate,
        args.comparisons,
        cmp_bytes,
        raw / cmp_bytes
    );
    if let Some(f) = fit {
        let n = args.logistic_records.max(1) as f64;
        let per = link_bytes(&f.summary) as f64 / n;
        let how = match f.steps {
            0 => "on shares".to_string(),
            t => format!("with opened iterates ({t} Newton steps, half the records per side)"),
        };
        println!(
            "logistic regression {how}, end to end: {} records in {:.2} s, {:.1} bytes/record (both directions); the link alone needs {:.2} s",
            args.logistic_records,
            f.secs,
            per,
            per * n / raw
        );
    }
}

/// Bytes both directions of every kind on a link.
fn link_bytes(s: &LinkSummary) -> u64 {
    let (sent, received) = s.totals();
    sent.bytes + received.bytes
}
