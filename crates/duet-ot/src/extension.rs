//! The choice of OT extension for a session: IKNP (the default) or
//! SoftSpoken with parameter `k`, and the setup step each needs after the
//! base OTs.

use duet_core::Channel;

use crate::base::OtKey;
use crate::error::{channel, recv_exact, OtError};
use crate::{iknp, kinds, softspoken};

/// Which OT extension a session runs. Both parties must choose the same;
/// a mismatch ends in a length error at the first extension message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtExtension {
    /// IKNP (Ishai-Kilian-Nissim-Petrank 2003): 16 bytes per OT from the
    /// receiver, 2 AES-CTR words per column bit. The default.
    #[default]
    Iknp,
    /// SoftSpoken OT (Roy 2022), semi-honest variant: `ceil(128 / k)` bits
    /// per OT from the receiver, about `2^k / k` PRG words per column bit,
    /// and a one-time GGM message of 32 bytes per tree level below the
    /// first. `k` in `1..=8` ([`softspoken::MAX_K`]).
    SoftSpoken {
        /// Bits per small-field VOLE block: 2, 4 or 8 are the useful ones.
        k: usize,
    },
}

impl OtExtension {
    /// Checks the parameters: `Ok(self)` if supported.
    pub fn validate(self) -> Result<Self, OtError> {
        if let OtExtension::SoftSpoken { k } = self {
            softspoken::check_k(k)?;
        }
        Ok(self)
    }

    /// The extension sender's base-OT choice bits for its `delta`.
    pub(crate) fn base_choices(self, delta: u128) -> Vec<bool> {
        match self {
            OtExtension::Iknp => (0..iknp::KAPPA).map(|i| delta >> i & 1 == 1).collect(),
            OtExtension::SoftSpoken { .. } => softspoken::base_choices(delta),
        }
    }

    /// Bytes of the receiver's `u` for `n` OTs (rounded up to whole words
    /// of 64 OTs, as sent).
    pub fn u_bytes(self, n: usize) -> usize {
        let w = n.div_ceil(64);
        match self {
            OtExtension::Iknp => iknp::u_bytes(w),
            OtExtension::SoftSpoken { k } => softspoken::u_bytes(k, w),
        }
    }
}

/// After the base OTs: the extension sender (with `delta` and the `keys`
/// it chose) and receiver (with the key `pairs` it sent) of this party,
/// exchanging SoftSpoken's GGM messages with the peer if needed.
pub(crate) async fn build<C: Channel>(
    ch: &mut C,
    ext: OtExtension,
    delta: u128,
    keys: &[OtKey],
    pairs: &[(OtKey, OtKey)],
) -> Result<(iknp::Sender, iknp::Receiver), OtError> {
    const STEP: &str = "SoftSpoken trees";
    match ext.validate()? {
        OtExtension::Iknp => Ok((iknp::Sender::new(delta, keys), iknp::Receiver::new(pairs))),
        OtExtension::SoftSpoken { k } => {
            let (receiver, msg) = softspoken::receiver(k, pairs)?;
            let len = softspoken::tree_bytes(k);
            if len == 0 {
                return Ok((softspoken::sender(k, delta, keys, &[])?, receiver));
            }
            ch.send(kinds::SSOT_TREES, msg)
                .await
                .map_err(channel(STEP))?;
            let peer = recv_exact(ch, STEP, kinds::SSOT_TREES, len).await?;
            Ok((softspoken::sender(k, delta, keys, &peer)?, receiver))
        }
    }
}
