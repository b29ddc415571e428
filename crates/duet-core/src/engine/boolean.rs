//! Boolean circuits on XOR shares packed 64 to a word: AND gates with AND
//! triples, the carry-out of a two-party addition, and an AND tree.

use zeroize::Zeroize;

use super::Engine;
use crate::channel::{Channel, MsgKind};
use crate::error::EngineError;
use crate::preprocessing::{AndPairs, AndTriples, Preprocessing};
use crate::share::{same_len, Role, SharedBits};

/// Appends `values ^ masks` word by word, little-endian.
fn put_masked(frame: &mut Vec<u8>, values: &[u64], masks: &[u64]) {
    for (v, m) in values.iter().zip(masks) {
        frame.extend_from_slice(&(v ^ m).to_le_bytes());
    }
}

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
        let (z, _, _) = self.and_gates(step, [x, y], [&[], &[], &[]]).await?;
        Ok(z)
    }

    /// In one round, XOR shares of `x AND y` word by word (one AND-triple
    /// word per word) and of `s AND t` and `s AND u` (one word of AND
    /// pairs per word: `s ^ a` is opened once for both gates).
    pub(crate) async fn and_gates(
        &mut self,
        step: &'static str,
        [x, y]: [&[u64]; 2],
        [s, t, u]: [&[u64]; 3],
    ) -> Result<(Vec<u64>, Vec<u64>, Vec<u64>), EngineError> {
        let length = |a: usize, b: usize| {
            same_len(a, b).map_err(|source| EngineError::Length { step, source })
        };
        length(x.len(), y.len())?;
        length(s.len(), t.len())?;
        length(s.len(), u.len())?;
        let (n, m) = (x.len(), s.len());
        let (a, b, mut c) = self.take::<AndTriples>(step, n).await?.into_parts();
        let (pa, pb, mut pc, pd, mut pe) = self.take::<AndPairs>(step, m).await?.into_parts();
        let mut frame = Vec::with_capacity(8 * (2 * n + 3 * m));
        for (values, masks) in [(x, &a), (y, &b), (s, &pa), (t, &pb), (u, &pd)] {
            put_masked(&mut frame, values, masks);
        }
        let peer = self.exchange_frame(step, MsgKind::AND, frame).await?;
        let p0 = self.role == Role::P0;
        let opened = |k: usize, values: &[u64], masks: &[u64], i: usize| {
            values[i] ^ masks[i] ^ read_word(&peer[8 * (k + i)..])
        };
        for i in 0..n {
            let d = opened(0, x, &a, i);
            let e = opened(n, y, &b, i);
            c[i] ^= (d & b[i]) ^ (e & a[i]) ^ if p0 { d & e } else { 0 };
        }
        for i in 0..m {
            let d = opened(2 * n, s, &pa, i);
            let e = opened(2 * n + m, t, &pb, i);
            let f = opened(2 * n + 2 * m, u, &pd, i);
            pc[i] ^= (d & pb[i]) ^ (e & pa[i]) ^ if p0 { d & e } else { 0 };
            pe[i] ^= (d & pd[i]) ^ (f & pa[i]) ^ if p0 { d & f } else { 0 };
        }
        for mut v in [a, b, pa, pb, pd] {
            v.zeroize();
        }
        Ok((c, pc, pe))
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
    /// `P = P_hi & P_lo`. The lowest pair needs only G (one AND); every
    /// other pair's two gates share `P_hi` (one AND pair).
    pub(crate) async fn combine_segments(
        &mut self,
        step: &'static str,
        mut gs: Vec<Vec<u64>>,
        mut ps: Vec<Vec<u64>>,
        nw: usize,
    ) -> Result<Vec<u64>, EngineError> {
        while gs.len() > 1 {
            let pairs = gs.len() / 2;
            let planes = |v: &[Vec<u64>], k: usize| -> Vec<u64> {
                (1..pairs)
                    .flat_map(|i| v[2 * i + k].iter().copied())
                    .collect()
            };
            let (s, t, u) = (planes(&ps, 1), planes(&gs, 0), planes(&ps, 0));
            let (low, g, p) = self.and_gates(step, [&ps[1], &gs[0]], [&s, &t, &u]).await?;
            let xor = |hi: &[u64], z: &[u64]| -> Vec<u64> {
                hi.iter().zip(z).map(|(h, t)| h ^ t).collect()
            };
            let mut next_g = vec![xor(&gs[1], &low)];
            let mut next_p = vec![Vec::new()];
            for i in 1..pairs {
                let at = (i - 1) * nw..i * nw;
                next_g.push(xor(&gs[2 * i + 1], &g[at.clone()]));
                next_p.push(p[at].to_vec());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use futures::executor::block_on;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    use crate::channel::MemoryChannel;
    use crate::dealer::InsecureDealer;
    use crate::engine::Engine;
    use crate::share::Role;

    /// XOR shares of `planes` for both parties, run through `and_tree`,
    /// opened by XOR.
    fn and_tree_opened(planes: &[Vec<u64>], nw: usize) -> Vec<u64> {
        let (c0, c1) = MemoryChannel::pair();
        let common = [5u8; 32];
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut e0 = Engine::new(
            Role::P0,
            c0,
            InsecureDealer::new(Role::P0, common),
            &mut rng,
        );
        let mut e1 = Engine::new(
            Role::P1,
            c1,
            InsecureDealer::new(Role::P1, common),
            &mut rng,
        );
        let mask: Vec<Vec<u64>> = planes
            .iter()
            .map(|p| p.iter().map(|_| rng.next_u64()).collect())
            .collect();
        let masked: Vec<Vec<u64>> = planes
            .iter()
            .zip(&mask)
            .map(|(p, m)| p.iter().zip(m).map(|(v, r)| v ^ r).collect())
            .collect();
        let (z0, z1) = block_on(futures::future::join(
            e0.and_tree("test", masked, nw),
            e1.and_tree("test", mask, nw),
        ));
        let (z0, z1) = (z0.unwrap(), z1.unwrap());
        z0.iter().zip(&z1).map(|(a, b)| a ^ b).collect()
    }

    #[test]
    fn and_tree_ands_every_plane_for_odd_counts_and_one_plane() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for (count, nw) in [(5usize, 2usize), (3, 1), (7, 3), (1, 2), (2, 1)] {
            // Mostly-set planes, so that the AND of all is not always zero.
            let planes: Vec<Vec<u64>> = (0..count)
                .map(|_| (0..nw).map(|_| rng.next_u64() | rng.next_u64()).collect())
                .collect();
            let want: Vec<u64> = (0..nw)
                .map(|w| planes.iter().fold(u64::MAX, |acc, p| acc & p[w]))
                .collect();
            assert_ne!(want, vec![0; nw], "{count} planes");
            assert_eq!(
                and_tree_opened(&planes, nw),
                want,
                "{count} planes of {nw} words"
            );
        }
    }
}
