//! Loopback throughput: raw quinn against duet's secure sum, in one run.
//!
//! `cargo bench -p duet-net --bench throughput [-- N]` (N values per
//! party, default 10,000,000).

use duet_net::LinkConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(10_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(duet_net::bench::run(n, &LinkConfig::default()))?;
    println!("loopback QUIC, {n} values per party");
    println!("{report}");
    Ok(())
}
