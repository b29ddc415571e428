//! Loopback throughput: raw quinn against duet's secure sum, in one run.
//!
//! `cargo bench -p duet-net --bench throughput [-- N [BATCH [LANES [CHUNK]]]]`:
//! N values per party (default 10,000,000), values per frame (default
//! 2^15; 0 = all in one call), data lanes (default 4) and chunk bytes (default
//! 1 MiB).

use duet_net::LinkConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(10_000_000);
    let batch = args
        .get(1)
        .copied()
        .unwrap_or(duet_net::bench::DEFAULT_BATCH);
    let mut config = LinkConfig::default();
    if let Some(&lanes) = args.get(2) {
        config.lanes(u16::try_from(lanes)?);
    }
    if let Some(&chunk) = args.get(3) {
        config.chunk_size(u32::try_from(chunk)?);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(duet_net::bench::run(n, batch, &config))?;
    println!("loopback QUIC, {n} values per party, {batch} per frame, {config:?}");
    println!("{report}");
    Ok(())
}
