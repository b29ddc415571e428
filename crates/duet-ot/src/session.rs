//! One party's OT session: the two IKNP instances (one where it sends, one
//! where it receives), set up by 2 x 128 base OTs, and the batched rounds
//! that run both directions at once so both parties do the same work.

use duet_core::{Channel, Ring, Role};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use zeroize::{Zeroize, Zeroizing};

use crate::base::{self, BaseSender, Context, POINT_BYTES};
use crate::error::{channel, recv_exact, OtError};
use crate::extension::{self, OtExtension};
use crate::hash::{AesBuf, Tccr};
use crate::iknp::{self, GROUP_OTS, KAPPA};
use crate::{gilboa, kinds, leaves, triples};

/// Most extended OTs in one direction of one round (a 16 MiB `u` frame).
pub const MAX_OTS_PER_ROUND: usize = 1 << 20;

/// One party's state for OT extension with its peer.
///
/// Both parties create it with [`OtSession::setup`] at the same point and
/// then call the same operations with the same sizes in the same order.
pub struct OtSession {
    role: Role,
    extension: OtExtension,
    hash: Tccr,
    sender: iknp::Sender,
    receiver: iknp::Receiver,
    sent_ots: u64,
    received_ots: u64,
    rows: Zeroizing<Vec<u128>>,
    /// The peer's last `u` (public), reused as the buffer of our next one.
    spare_u: Vec<u8>,
    pub(crate) rng: ChaCha20Rng,
}

/// The tweak of OT `index` of the instance in which `sender` sends.
fn tweak(sender: Role, index: u64) -> u128 {
    (sender.index() as u128) << 64 | u128::from(index)
}

impl OtSession {
    /// Runs the base OTs for both directions (two rounds, 2 x 128 OTs) and
    /// seeds the session's generator from `rng`; the extension is IKNP.
    pub async fn setup<C: Channel, G: RngCore + CryptoRng>(
        ch: &mut C,
        role: Role,
        session_id: [u8; 32],
        rng: &mut G,
    ) -> Result<Self, OtError> {
        Self::setup_with(ch, role, session_id, OtExtension::Iknp, rng).await
    }

    /// [`OtSession::setup`] with the extension `ext` (both parties must
    /// pass the same). SoftSpoken adds one round after the base OTs.
    pub async fn setup_with<C: Channel, G: RngCore + CryptoRng>(
        ch: &mut C,
        role: Role,
        session_id: [u8; 32],
        ext: OtExtension,
        rng: &mut G,
    ) -> Result<Self, OtError> {
        let ext = ext.validate()?;
        let ctx = |sender: Role| Context {
            session_id,
            direction: sender.index() as u8,
        };
        // As extension receiver I am the base-OT sender, and vice versa.
        let (base_sender, a_msg) = BaseSender::new(rng);
        ch.send(kinds::BASE_SENDER, a_msg.to_vec())
            .await
            .map_err(channel("base OT"))?;
        let peer_a = recv_exact(ch, "base OT", kinds::BASE_SENDER, POINT_BYTES).await?;
        let mut delta = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
        let mut choices = ext.base_choices(delta);
        let received = base::receive(&ctx(role), &peer_a, &choices, rng);
        choices.zeroize();
        let (reply, keys) = received?;
        ch.send(kinds::BASE_RECEIVER, reply)
            .await
            .map_err(channel("base OT"))?;
        let peer_reply =
            recv_exact(ch, "base OT", kinds::BASE_RECEIVER, KAPPA * POINT_BYTES).await?;
        let pairs = base_sender.finish(&ctx(role.peer()), KAPPA, &peer_reply)?;
        let built = extension::build(ch, ext, delta, &keys, &pairs).await;
        delta.zeroize();
        let (sender, receiver) = built?;
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Ok(OtSession {
            role,
            hash: Tccr::new(&session_id),
            extension: ext,
            sender,
            receiver,
            sent_ots: 0,
            received_ots: 0,
            rows: Zeroizing::new(Vec::new()),
            spare_u: Vec::new(),
            rng: ChaCha20Rng::from_seed(*seed),
        })
    }

    /// This party's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The OT extension this session runs.
    pub fn extension(&self) -> OtExtension {
        self.extension
    }

    /// Extended OTs run so far as (sender, receiver).
    pub fn ot_counts(&self) -> (u64, u64) {
        (self.sent_ots, self.received_ots)
    }

    /// Random OTs where this party sends: `n` pairs `(m0, m1)` of 128-bit
    /// messages; the peer calls [`OtSession::random_ot_receive`] with `n`
    /// choices and learns `m_c` of each pair, and nothing of `m_{1-c}`.
    pub async fn random_ot_send<C: Channel>(
        &mut self,
        ch: &mut C,
        n: usize,
    ) -> Result<Vec<(u128, u128)>, OtError> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let k = (n - out.len()).min(MAX_OTS_PER_ROUND);
            let w = k.div_ceil(64);
            let (u, tw) = self.sender_round(ch, w).await?;
            let rows = self.sender.extend(&u, w);
            let delta = rows.delta();
            let q = Zeroizing::new(rows.collect());
            let q1: Zeroizing<Vec<u128>> =
                Zeroizing::new(q[..k].iter().map(|&v| v ^ delta).collect());
            let (mut m0, mut m1) = (vec![0u128; k], vec![0u128; k]);
            self.hash.hash_into(tw, &q[..k], &mut m0);
            self.hash.hash_into(tw, &q1, &mut m1);
            out.extend(m0.into_iter().zip(m1));
        }
        Ok(out)
    }

    /// Random OTs where this party receives: `m_{c_j}` for each choice.
    pub async fn random_ot_receive<C: Channel>(
        &mut self,
        ch: &mut C,
        choices: &[bool],
    ) -> Result<Vec<u128>, OtError> {
        let mut out = Vec::with_capacity(choices.len());
        for part in choices.chunks(MAX_OTS_PER_ROUND) {
            let mut packed = vec![0u64; part.len().div_ceil(64)];
            for (i, &c) in part.iter().enumerate() {
                packed[i / 64] |= u64::from(c) << (i % 64);
            }
            let tw = self.receiver_round(ch, &packed).await?;
            packed.zeroize();
            let mut m = vec![0u128; part.len()];
            self.hash.hash_into(tw, &self.rows[..part.len()], &mut m);
            out.extend(m);
        }
        Ok(out)
    }

    /// As receiver: extends with `choices` into the row buffer, sends `u`;
    /// returns the tweak of the first row.
    async fn receiver_round<C: Channel>(
        &mut self,
        ch: &mut C,
        choices: &[u64],
    ) -> Result<u128, OtError> {
        check_round("extension", choices.len() * 64)?;
        let spare = core::mem::take(&mut self.spare_u);
        let u = self.receiver.extend_into(choices, &mut self.rows, spare);
        ch.send(kinds::EXT_U, u)
            .await
            .map_err(channel("extension"))?;
        let tw = tweak(self.role.peer(), self.received_ots);
        self.received_ots += 64 * choices.len() as u64;
        Ok(tw)
    }

    /// As receiver of Gilboa products: extends with the choice bits `y`
    /// (`l` per element, `n` elements), sends `u`, and returns each
    /// element's hash sum, computed while the rows are in cache (no rows kept).
    pub(crate) async fn gilboa_receiver_round<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        y: &[u64],
        n: usize,
        l: usize,
    ) -> Result<Vec<R>, OtError> {
        check_round("extension", y.len() * 64)?;
        if y.len() != (n * l).div_ceil(64) {
            return Err(OtError::LengthMismatch {
                step: "Gilboa choice bits",
                left: y.len(),
                right: (n * l).div_ceil(64),
            });
        }
        let mut sums = vec![R::ZERO; n];
        let hash = self.hash.clone();
        self.receiver_round_map(ch, y, &mut sums, GROUP_OTS / l, |tw, g, t, out, buf| {
            gilboa::receive_hashes(&hash, tw, g, t, out, l, buf)
        })
        .await?;
        Ok(sums)
    }

    /// As receiver: extends with `choices`, hands each group's rows to
    /// `f` while they are in cache (with the tweak of the batch's first
    /// row, the group's index, its part of `out`, `per` items per group,
    /// and AES blocks to hash with), then sends `u`. No rows are kept.
    async fn receiver_round_map<T: Send, C: Channel>(
        &mut self,
        ch: &mut C,
        choices: &[u64],
        out: &mut [T],
        per: usize,
        f: impl Fn(u128, usize, &[u128], &mut [T], &mut AesBuf) + Sync,
    ) -> Result<(), OtError> {
        check_round("extension", choices.len() * 64)?;
        let tw = tweak(self.role.peer(), self.received_ots);
        let spare = core::mem::take(&mut self.spare_u);
        let u = self
            .receiver
            .extend_map(choices, spare, out, per, |g, t, o, buf| f(tw, g, t, o, buf));
        ch.send(kinds::EXT_U, u)
            .await
            .map_err(channel("extension"))?;
        self.received_ots += 64 * choices.len() as u64;
        Ok(())
    }

    /// As sender: receives `u` for `w` words of choices; returns it and the
    /// tweak of its first row.
    async fn sender_round<C: Channel>(
        &mut self,
        ch: &mut C,
        w: usize,
    ) -> Result<(Vec<u8>, u128), OtError> {
        check_round("extension", w * 64)?;
        let u = recv_exact(ch, "extension", kinds::EXT_U, self.sender.u_len(w)).await?;
        let tw = tweak(self.role, self.sent_ots);
        self.sent_ots += 64 * w as u64;
        Ok((u, tw))
    }

    /// Both directions of Gilboa products at once, `l` choice bits per
    /// element: this party sends for `x` and receives for `n_recv` elements
    /// whose choice bits are packed in `y` (`l` per element). Returns
    /// (shares as sender, shares as receiver).
    pub(crate) async fn cross<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        x: &[R],
        y: &[u64],
        n_recv: usize,
        l: usize,
    ) -> Result<(Vec<R>, Vec<R>), OtError> {
        let sums = self.gilboa_receiver_round::<R, C>(ch, y, n_recv, l).await?;
        let mine = self.send_only(ch, x, l).await?;
        let theirs = self.finish_receive(ch, sums, y, l).await?;
        Ok((mine, theirs))
    }

    /// Both directions of random OT with `planes`-bit messages, `64 w`
    /// each: returns `(m0 ^ m1, m0)` packed for the OTs this party sends,
    /// and `m_c` for those it receives with choices `c` (word `i` of plane
    /// `k` at `i * planes + k`).
    pub(crate) async fn cross_rot<C: Channel>(
        &mut self,
        ch: &mut C,
        choices: &[u64],
        planes: usize,
    ) -> Result<(Vec<u64>, Vec<u64>, Vec<u64>), OtError> {
        let w = choices.len();
        let mut mc = vec![0u64; w * planes];
        let hash = self.hash.clone();
        let per = GROUP_OTS / 64 * planes;
        self.receiver_round_map(ch, choices, &mut mc, per, |tw, g, t, o, buf| {
            triples::rot_receive_bits(&hash, tw, (g, t), o, planes, buf)
        })
        .await?;
        let (u, q_tweak) = self.sender_round(ch, w).await?;
        let rows = self.sender.extend(&u, w);
        let (diff, m0) = triples::rot_send_bits(&self.hash, q_tweak, &rows, w, planes);
        self.spare_u = u;
        Ok((diff, m0, mc))
    }

    /// Both directions of random OT with 32-bit messages, `64 w` each:
    /// returns the pairs `(m0, m1)` for the OTs this party sends, and
    /// `m_c` for those it receives with choices `c`.
    pub(crate) async fn cross_rot_words<C: Channel>(
        &mut self,
        ch: &mut C,
        choices: &[u64],
    ) -> Result<(Vec<[u32; 2]>, Vec<u32>), OtError> {
        let w = choices.len();
        let mut received = vec![0u32; 64 * w];
        let hash = self.hash.clone();
        self.receiver_round_map(ch, choices, &mut received, GROUP_OTS, |tw, g, t, o, buf| {
            leaves::rot_receive_words(&hash, tw, (g, t), o, buf)
        })
        .await?;
        let (u, q_tweak) = self.sender_round(ch, w).await?;
        let rows = self.sender.extend(&u, w);
        let sent = leaves::rot_send_words(&self.hash, q_tweak, &rows, w);
        self.spare_u = u;
        Ok((sent, received))
    }

    /// One direction only: this party sends for `x` (`l` bits per element).
    pub(crate) async fn send_only<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        x: &[R],
        l: usize,
    ) -> Result<Vec<R>, OtError> {
        let w = (x.len() * l).div_ceil(64);
        let (u, q_tweak) = self.sender_round(ch, w).await?;
        let rows = self.sender.extend(&u, w);
        let (mine, corr) = gilboa::send(&self.hash, q_tweak, x, &rows, l);
        self.spare_u = u;
        ch.send(kinds::GILBOA, corr)
            .await
            .map_err(channel("Gilboa corrections"))?;
        Ok(mine)
    }

    /// One direction only: this party receives for `n` elements with choice bits `y`.
    pub(crate) async fn receive_only<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        y: &[u64],
        n: usize,
        l: usize,
    ) -> Result<Vec<R>, OtError> {
        let sums = self.gilboa_receiver_round::<R, C>(ch, y, n, l).await?;
        self.finish_receive(ch, sums, y, l).await
    }

    /// The receiver's last step: the sender's corrections added to the
    /// hash sums of [`OtSession::gilboa_receiver_round`].
    pub(crate) async fn finish_receive<R: Ring, C: Channel>(
        &mut self,
        ch: &mut C,
        mut sums: Vec<R>,
        y: &[u64],
        l: usize,
    ) -> Result<Vec<R>, OtError> {
        let cb = gilboa::corr_bytes::<R>(l);
        let peer = recv_exact(ch, "Gilboa corrections", kinds::GILBOA, sums.len() * cb).await?;
        gilboa::receive_finish(y, &mut sums, &peer, l);
        Ok(sums)
    }
}

fn check_round(step: &'static str, ots: usize) -> Result<(), OtError> {
    if ots > MAX_OTS_PER_ROUND {
        return Err(OtError::TooLarge {
            step,
            requested: ots,
            limit: MAX_OTS_PER_ROUND,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_core::MemoryChannel;
    use rand_core::SeedableRng;

    /// A round of more than [`MAX_OTS_PER_ROUND`] OTs is refused before
    /// any work or message, as receiver of random OTs and of Gilboa
    /// products.
    #[test]
    fn a_round_past_the_limit_is_refused_before_any_message() {
        let (mut c0, mut c1) = MemoryChannel::pair();
        let mut r0 = ChaCha20Rng::seed_from_u64(1);
        let mut r1 = ChaCha20Rng::seed_from_u64(2);
        let (s0, s1) = futures::executor::block_on(futures::future::join(
            OtSession::setup(&mut c0, Role::P0, [3; 32], &mut r0),
            OtSession::setup(&mut c1, Role::P1, [3; 32], &mut r1),
        ));
        let (mut s0, _) = (s0.unwrap(), s1.unwrap());
        drop(c1);
        let words = MAX_OTS_PER_ROUND / 64 + 1;
        let too_many = vec![0u64; words];
        let refused = |r: Result<(), OtError>| {
            matches!(
                r,
                Err(OtError::TooLarge { requested, limit: MAX_OTS_PER_ROUND, .. })
                    if requested == 64 * words
            )
        };
        let sent = c0.bytes_sent();
        let rot = futures::executor::block_on(s0.cross_rot(&mut c0, &too_many, 1));
        assert!(refused(rot.map(drop)), "random OTs");
        let gilboa = s0.gilboa_receiver_round::<duet_core::Z64, _>(&mut c0, &too_many, words, 64);
        assert!(
            refused(futures::executor::block_on(gilboa).map(drop)),
            "Gilboa"
        );
        assert_eq!(c0.bytes_sent(), sent, "nothing sent");
    }
}
