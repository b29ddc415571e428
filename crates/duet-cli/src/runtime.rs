//! The tokio runtime of a command.

/// A multi-threaded runtime with one worker per core plus one per party
/// this process runs: a party's protocol work runs on rayon from inside
/// its task and holds that worker meanwhile, and quinn's drivers need free
/// workers to keep moving bytes (measured: OT triples over loopback QUIC,
/// both parties in one process on 2 cores, 69 k/s with 2 workers, 131 k/s
/// with 4).
pub(crate) fn for_parties(parties: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores + parties)
        .enable_all()
        .build()
}
