//! Fuzzes duet-net's frame decoder: any bytes must give frames within the
//! limit or a typed error, never a panic or an allocation past the limit.
#![no_main]

use duet_net::frame::{decode_stream, encode_stream};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 16;

fuzz_target!(|data: &[u8]| {
    if let Ok(frames) = decode_stream(data, LIMIT) {
        assert!(frames.iter().all(|f| f.payload.len() as u64 <= LIMIT));
        // What decodes re-encodes to a stream that decodes the same.
        let again = encode_stream(&frames, 1 << 12);
        assert_eq!(decode_stream(&again, LIMIT).ok(), Some(frames));
    }
});
