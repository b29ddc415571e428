//! Data frames on the wire, as pure functions over bytes.
//!
//! A frame (one `Channel::send`) is cut into chunks of at most the sender's
//! chunk size; chunks are dealt round-robin over the data lanes (long-lived
//! unidirectional QUIC streams), so a large frame moves over several streams
//! at once and the receiver, dealing the same way, knows which lane holds
//! the next chunk. Every chunk starts with a 28-byte header:
//!
//! ```text
//! kind u16 | reserved u16 (0) | index u32 | len u32 | seq u64 | total u64
//! ```
//!
//! all little-endian: the frame's kind code, the chunk's index in its frame,
//! the chunk's byte length, the frame's sequence number in its direction and
//! the frame's total length. The receiver checks every field against what it
//! expects and the frame's total against its limits *before* allocating.

use core::ops::Range;

/// Bytes in a chunk header.
pub const HEADER_LEN: usize = 28;

/// Why a frame was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame longer than the receiver's limit.
    #[error("frame of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The announced length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// The bytes end inside a header or a chunk.
    #[error("truncated: {got} of {want} bytes")]
    Truncated {
        /// Bytes present.
        got: u64,
        /// Bytes needed.
        want: u64,
    },
    /// The reserved header field is not zero.
    #[error("reserved header field is {0:#06x}, must be 0")]
    Reserved(u16),
    /// A chunk of another frame than the one being assembled.
    #[error("chunk of frame {found}, expected frame {expected}")]
    Sequence {
        /// The expected frame sequence number.
        expected: u64,
        /// The one received.
        found: u64,
    },
    /// A chunk out of order within its frame.
    #[error("chunk {found}, expected chunk {expected}")]
    Index {
        /// The expected chunk index.
        expected: u32,
        /// The one received.
        found: u32,
    },
    /// A later chunk names another kind or total than the first.
    #[error("chunk header disagrees with its frame's first chunk")]
    Inconsistent,
    /// An empty chunk in a non-empty frame, or a chunk past the frame's end.
    #[error("chunk of {len} bytes at offset {offset} does not fit a frame of {total}")]
    ChunkLength {
        /// The chunk's length.
        len: u32,
        /// Where it would start.
        offset: u64,
        /// The frame's total.
        total: u64,
    },
}

/// A chunk header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// The frame's kind code.
    pub kind: u16,
    /// The chunk's index within its frame.
    pub index: u32,
    /// The chunk's length in bytes.
    pub len: u32,
    /// The frame's sequence number.
    pub seq: u64,
    /// The frame's total length.
    pub total: u64,
}

fn le<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(s) = b.get(at..at + N) {
        out.copy_from_slice(s);
    }
    out
}

impl ChunkHeader {
    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..2].copy_from_slice(&self.kind.to_le_bytes());
        b[4..8].copy_from_slice(&self.index.to_le_bytes());
        b[8..12].copy_from_slice(&self.len.to_le_bytes());
        b[12..20].copy_from_slice(&self.seq.to_le_bytes());
        b[20..28].copy_from_slice(&self.total.to_le_bytes());
        b
    }

    /// Parses a header; rejects a non-zero reserved field.
    pub fn decode(b: &[u8; HEADER_LEN]) -> Result<ChunkHeader, FrameError> {
        let reserved = u16::from_le_bytes(le(b, 2));
        if reserved != 0 {
            return Err(FrameError::Reserved(reserved));
        }
        Ok(ChunkHeader {
            kind: u16::from_le_bytes(le(b, 0)),
            index: u32::from_le_bytes(le(b, 4)),
            len: u32::from_le_bytes(le(b, 8)),
            seq: u64::from_le_bytes(le(b, 12)),
            total: u64::from_le_bytes(le(b, 20)),
        })
    }
}

/// The chunks of a frame of `total` bytes: (index, byte range) pairs.
/// An empty frame is one empty chunk.
pub fn chunks(total: usize, chunk_size: usize) -> impl Iterator<Item = (u32, Range<usize>)> {
    let size = chunk_size.clamp(1, u32::MAX as usize);
    let count = total.div_ceil(size).max(1);
    (0..count).map(move |i| (i as u32, i * size..((i + 1) * size).min(total)))
}

/// The reassembly of one frame: validates each chunk header in turn and says
/// where its bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembly {
    kind: u16,
    seq: u64,
    total: u64,
    next_index: u32,
    filled: u64,
}

impl Assembly {
    /// Starts a frame from its first chunk header, which must carry sequence
    /// number `seq`, index 0 and a total of at most `limit` bytes.
    pub fn start(h: &ChunkHeader, seq: u64, limit: u64) -> Result<Assembly, FrameError> {
        if h.total > limit {
            return Err(FrameError::TooLarge {
                len: h.total,
                limit,
            });
        }
        let asm = Assembly {
            kind: h.kind,
            seq,
            total: h.total,
            next_index: 0,
            filled: 0,
        };
        Ok(asm)
    }

    /// The frame's kind code.
    pub fn kind(&self) -> u16 {
        self.kind
    }

    /// The frame's total length.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether every byte has been placed.
    pub fn is_complete(&self) -> bool {
        self.next_index > 0 && self.filled == self.total
    }

    /// Checks the next chunk's header; returns the byte range it fills.
    pub fn accept(&mut self, h: &ChunkHeader) -> Result<Range<usize>, FrameError> {
        if h.seq != self.seq {
            return Err(FrameError::Sequence {
                expected: self.seq,
                found: h.seq,
            });
        }
        if h.index != self.next_index {
            return Err(FrameError::Index {
                expected: self.next_index,
                found: h.index,
            });
        }
        if h.kind != self.kind || h.total != self.total {
            return Err(FrameError::Inconsistent);
        }
        let end = self.filled + u64::from(h.len);
        let empty_ok = self.total == 0 && self.next_index == 0;
        if end > self.total || (h.len == 0 && !empty_ok) {
            return Err(FrameError::ChunkLength {
                len: h.len,
                offset: self.filled,
                total: self.total,
            });
        }
        let range = self.filled as usize..end as usize;
        self.filled = end;
        self.next_index += 1;
        Ok(range)
    }
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The kind code.
    pub kind: u16,
    /// The payload.
    pub payload: Vec<u8>,
}

/// Encodes frames as one lane would carry them (sequence numbers from 0).
pub fn encode_stream(frames: &[Frame], chunk_size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (seq, f) in frames.iter().enumerate() {
        for (index, r) in chunks(f.payload.len(), chunk_size) {
            let h = ChunkHeader {
                kind: f.kind,
                index,
                len: r.len() as u32,
                seq: seq as u64,
                total: f.payload.len() as u64,
            };
            out.extend_from_slice(&h.encode());
            out.extend_from_slice(f.payload.get(r).unwrap_or_default());
        }
    }
    out
}

/// Decodes a single-lane byte stream into frames, each at most `limit`
/// bytes: the same checks the link applies, as a pure function (for
/// property tests and fuzzing). Never allocates more than `limit` per frame.
pub fn decode_stream(mut bytes: &[u8], limit: u64) -> Result<Vec<Frame>, FrameError> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let seq = frames.len() as u64;
        let h = take_header(&mut bytes)?;
        let mut asm = Assembly::start(&h, seq, limit)?;
        let mut payload = vec![0u8; asm.total() as usize];
        let mut h = h;
        loop {
            let range = asm.accept(&h)?;
            let want = range.len();
            let (src, rest) = bytes.split_at_checked(want).ok_or(FrameError::Truncated {
                got: bytes.len() as u64,
                want: want as u64,
            })?;
            if let Some(dst) = payload.get_mut(range) {
                dst.copy_from_slice(src);
            }
            bytes = rest;
            if asm.is_complete() {
                break;
            }
            h = take_header(&mut bytes)?;
        }
        frames.push(Frame {
            kind: asm.kind(),
            payload,
        });
    }
    Ok(frames)
}

fn take_header(bytes: &mut &[u8]) -> Result<ChunkHeader, FrameError> {
    let (head, rest) = bytes
        .split_first_chunk::<HEADER_LEN>()
        .ok_or(FrameError::Truncated {
            got: bytes.len() as u64,
            want: HEADER_LEN as u64,
        })?;
    *bytes = rest;
    ChunkHeader::decode(head)
}
