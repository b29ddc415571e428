//! A statistic duet-stats does not offer, written against the library API:
//! the pooled prevalence of hypertension (systolic pressure >= 140 mmHg) by
//! smoking status across two hospitals, released only for groups with at
//! least 10 patients and 10 cases, decided on secret shares.
//!
//! Both hospitals run in this process over loopback QUIC with pinned mutual
//! TLS and triples made by oblivious transfer, as in a real run:
//!
//! ```sh
//! cargo run --release --example custom_statistic
//! ```
//!
//! What each hospital learns: for each smoking group, whether it passed the
//! threshold, and if so the pooled patient and case counts (so, by
//! subtraction, the other hospital's counts for that group); nothing else.

use anyhow::Context;
use duet::duet_core::{Engine, Role, Z64};
use duet::duet_net::{dial, Handshake, Identity, LinkConfig, Listener, QuicChannel};
use duet::duet_ot::OtPreprocessing;
use rand_core::OsRng;

const MIN_COUNT: u64 = 10;

/// Local counts, never sent: [patients, cases] for non-smokers, then smokers.
fn local_counts(csv: &str) -> anyhow::Result<[Z64; 4]> {
    let text = std::fs::read_to_string(csv).with_context(|| format!("reading {csv}"))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("empty file")?.split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .with_context(|| format!("{csv}: no column {name}"))
    };
    let (smoker, sbp) = (col("smoker")?, col("sbp")?);
    let mut counts = [0u64; 4];
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let field = |c: usize| {
            fields
                .get(c)
                .with_context(|| format!("{csv}:{}: short row", i + 2))
        };
        let group = usize::from(*field(smoker)? == "yes");
        let pressure: f64 = field(sbp)?
            .parse()
            .with_context(|| format!("{csv}:{}: sbp", i + 2))?;
        counts[2 * group] += 1;
        counts[2 * group + 1] += u64::from(pressure >= 140.0);
    }
    Ok(counts.map(Z64))
}

/// One hospital's side: share counts, gate on shares, open what passes.
async fn hospital(
    role: Role,
    channel: QuicChannel,
    counts: [Z64; 4],
) -> anyhow::Result<Vec<Option<(u64, u64)>>> {
    let session = channel.session_id().0;
    let pre = OtPreprocessing::new(role, session, &mut OsRng);
    let mut e = Engine::new(role, channel, pre, &mut OsRng);
    // Each side shares its own four counts; adding the shares pools them.
    let (p0, p1) = if role == Role::P0 {
        let mine = e.share_input(&counts).await?;
        (mine, e.receive_input::<Z64>(4).await?)
    } else {
        let theirs = e.receive_input::<Z64>(4).await?;
        (theirs, e.share_input(&counts).await?)
    };
    let pooled = p0.add(&p1)?;
    // [count < MIN_COUNT] for all four counts at once; only these bits open.
    let threshold = e.constant(&[Z64(MIN_COUNT); 4]);
    let small = e.lt(&pooled, &threshold).await?;
    let small = e.open(&small).await?;
    let mut released = Vec::new();
    for group in 0..2 {
        let passes = small[2 * group] == Z64(0) && small[2 * group + 1] == Z64(0);
        released.push(if passes {
            let cell = pooled.slice(2 * group..2 * group + 2).context("cell")?;
            let v = e.open(&cell).await?;
            Some((v[0].0, v[1].0))
        } else {
            None
        });
    }
    let (channel, _) = e.into_parts();
    channel.close().await?;
    Ok(released)
}

fn main() -> anyhow::Result<()> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets");
    let a_counts = local_counts(&format!("{data}/hospital_a.csv"))?;
    let b_counts = local_counts(&format!("{data}/hospital_b.csv"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let released = runtime.block_on(async {
        let (a, b) = (
            Identity::generate("hospital-a")?,
            Identity::generate("hospital-b")?,
        );
        let config = LinkConfig::default();
        let listener = Listener::bind("127.0.0.1:0".parse()?, &b, a.fingerprint(), &config)?;
        let addr = listener.local_addr()?;
        let job = [0x5a; 32]; // both sides' hash of the agreed analysis
        let (h0, h1) = (Handshake::new(job, Role::P0), Handshake::new(job, Role::P1));
        let (mut rng0, mut rng1) = (OsRng, OsRng);
        let (c0, c1) = tokio::join!(
            dial(addr, &a, b.fingerprint(), &h0, &config, &mut rng0),
            listener.accept(&h1, &mut rng1)
        );
        let (r0, r1) = tokio::join!(
            hospital(Role::P0, c0?, a_counts),
            hospital(Role::P1, c1?, b_counts)
        );
        let (r0, r1) = (r0?, r1?);
        anyhow::ensure!(r0 == r1, "the hospitals received different results");
        anyhow::Ok(r0)
    })?;
    for (group, name) in ["non-smokers", "smokers"].iter().enumerate() {
        match released[group] {
            Some((n, cases)) => {
                println!(
                    "{name:12} hypertension {cases} of {n} = {:.1}%",
                    100.0 * cases as f64 / n as f64
                );
                // A check a simulation can make (no real party could): the plaintext union.
                let want = (
                    a_counts[2 * group].0 + b_counts[2 * group].0,
                    a_counts[2 * group + 1].0 + b_counts[2 * group + 1].0,
                );
                anyhow::ensure!((n, cases) == want, "secure result differs from plaintext");
            }
            None => println!("{name:12} suppressed (fewer than {MIN_COUNT} patients or cases)"),
        }
    }
    Ok(())
}
