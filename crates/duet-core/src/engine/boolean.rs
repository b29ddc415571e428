//! Boolean circuits on XOR shares packed 64 to a word: AND gates with AND
//! triples, the carry-out of a two-party addition, and an AND tree.

use zeroize::Zeroize;

use super::Engine;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::preprocessing::Preprocessing;
use crate::share::{same_len, Role, SharedBits};

fn read_word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(w)
}

impl<C: Channel, P: Preprocessing> Engine<C, P> {
    /// XOR shares of `x AND y` word by word: one round, one AND-triple word per word.
    pub(crate) async fn and_words(
        &mut self,
        step: &'static str,
        x: &[u64],
        y: &[u64],
    ) -> Result<Vec<u64>, EngineError> {
        same_len(x.len(), y.len()).map_err(|source| EngineError::Length { step, source })?;
        let n = x.len();
        let (mut a, mut b, mut c) = self.take_and_triples(step, n).await?.into_parts();
        let mut frame = vec![0u8; 16 * n];
        let (fd, fe) = frame.split_at_mut(8 * n);
        for i in 0..n {
            fd[8 * i..8 * i + 8].copy_from_slice(&(x[i] ^ a[i]).to_le_bytes());
            fe[8 * i..8 * i + 8].copy_from_slice(&(y[i] ^ b[i]).to_le_bytes());
        }
        let peer = self.exchange_frame(step, MsgKind::AND, frame).await?;
        let (pd, pe) = peer.split_at(8 * n);
        let p0 = self.role == Role::P0;
        for i in 0..n {
            let d = x[i] ^ a[i] ^ read_word(&pd[8 * i..]);
            let e = y[i] ^ b[i] ^ read_word(&pe[8 * i..]);
            c[i] ^= (d & b[i]) ^ (e & a[i]) ^ if p0 { d & e } else { 0 };
        }
        a.zeroize();
        b.zeroize();
        Ok(c)
    }

    /// XOR shares of `x AND y` element-wise (one round).
    pub async fn and(&mut self, x: &SharedBits, y: &SharedBits) -> Result<SharedBits, EngineError> {
        const STEP: &str = "and";
        same_len(x.len(), y.len()).map_err(|source| EngineError::Length { step: STEP, source })?;
        let z = self.and_words(STEP, x.words(), y.words()).await?;
        Ok(SharedBits::from_words(z, x.len()))
    }

    /// XOR shares of `NOT x` (local: P0 flips its share).
    pub fn not(&self, x: &SharedBits) -> SharedBits {
        let words = match self.role {
            Role::P0 => x.words().iter().map(|w| !w).collect(),
            Role::P1 => x.words().to_vec(),
        };
        SharedBits::from_words(words, x.len())
    }

    /// XOR shares (one plane) of the generate bit of the whole span from
    /// per-segment generate `gs` and propagate `ps` planes (each `nw`
    /// words, lowest segment first; the lowest's propagate plane is never
    /// read), in ceil(log2 segments) rounds: `G = G_hi ^ (P_hi & G_lo)`,
    /// `P = P_hi & P_lo`, one AND per pair for G and one per pair but the
    /// lowest for P.
    pub(crate) async fn combine_segments(
        &mut self,
        step: &'static str,
        mut gs: Vec<Vec<u64>>,
        mut ps: Vec<Vec<u64>>,
        nw: usize,
    ) -> Result<Vec<u64>, EngineError> {
        while gs.len() > 1 {
            let pairs = gs.len() / 2;
            let mut xs = Vec::with_capacity((2 * pairs) * nw);
            let mut ys = Vec::with_capacity((2 * pairs) * nw);
            for i in 0..pairs {
                xs.extend_from_slice(&ps[2 * i + 1]);
                ys.extend_from_slice(&gs[2 * i]);
            }
            // The lowest segment's propagate bit is never needed.
            for i in 1..pairs {
                xs.extend_from_slice(&ps[2 * i + 1]);
                ys.extend_from_slice(&ps[2 * i]);
            }
            let z = self.and_words(step, &xs, &ys).await?;
            let mut next_g = Vec::with_capacity(pairs + 1);
            let mut next_p = Vec::with_capacity(pairs + 1);
            for i in 0..pairs {
                let hi = &gs[2 * i + 1];
                let g: Vec<u64> = hi
                    .iter()
                    .zip(&z[i * nw..(i + 1) * nw])
                    .map(|(h, t)| h ^ t)
                    .collect();
                next_g.push(g);
                next_p.push(if i == 0 {
                    Vec::new()
                } else {
                    z[(pairs + i - 1) * nw..(pairs + i) * nw].to_vec()
                });
            }
            if gs.len() % 2 == 1 {
                next_g.push(gs.pop().unwrap_or_default());
                next_p.push(ps.pop().unwrap_or_default());
            }
            gs = next_g;
            ps = next_p;
        }
        Ok(gs.pop().unwrap_or_else(|| vec![0; nw]))
    }

    /// XOR shares of the AND of all `planes` (each `nw` words), in
    /// ceil(log2 len) rounds.
    pub(crate) async fn and_tree(
        &mut self,
        step: &'static str,
        mut planes: Vec<Vec<u64>>,
        nw: usize,
    ) -> Result<Vec<u64>, EngineError> {
        while planes.len() > 1 {
            let pairs = planes.len() / 2;
            let mut xs = Vec::with_capacity(pairs * nw);
            let mut ys = Vec::with_capacity(pairs * nw);
            for i in 0..pairs {
                xs.extend_from_slice(&planes[2 * i]);
                ys.extend_from_slice(&planes[2 * i + 1]);
            }
            let z = self.and_words(step, &xs, &ys).await?;
            let odd = (planes.len() % 2 == 1).then(|| planes.pop().unwrap_or_default());
            planes = z.chunks(nw.max(1)).map(<[u64]>::to_vec).collect();
            planes.extend(odd);
        }
        Ok(planes.pop().unwrap_or_else(|| vec![0; nw]))
    }
}
