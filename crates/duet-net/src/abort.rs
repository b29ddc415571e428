//! Why a side ends a connected run early: a category sent to the peer in
//! the QUIC close frame, so it can stop at once and say why. A category,
//! never data: the reasons are fixed words.

/// Prefix of an abort category in a close frame's reason.
const TAG: &str = "duet-abort:";

/// The category of a failure after the link was up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AbortReason {
    /// The side refused its own data, job or settings.
    Input,
    /// A protocol step of the study failed on that side.
    Study,
    /// The side cannot write its results.
    Output,
    /// The side was stopped (a signal, its operator).
    Interrupted,
    /// Anything else on that side.
    Internal,
}

const ALL: [AbortReason; 5] = [
    AbortReason::Input,
    AbortReason::Study,
    AbortReason::Output,
    AbortReason::Interrupted,
    AbortReason::Internal,
];

impl AbortReason {
    /// The category's one word.
    pub fn word(self) -> &'static str {
        match self {
            AbortReason::Input => "input",
            AbortReason::Study => "study",
            AbortReason::Output => "output",
            AbortReason::Interrupted => "interrupted",
            AbortReason::Internal => "internal",
        }
    }

    /// What the category means, for the peer's message.
    pub fn meaning(self) -> &'static str {
        match self {
            AbortReason::Input => "it refused its own data, job or settings",
            AbortReason::Study => "a step of the study failed on its side",
            AbortReason::Output => "it cannot write its results",
            AbortReason::Interrupted => "it was stopped",
            AbortReason::Internal => "an internal error on its side",
        }
    }

    /// The close frame's reason bytes.
    pub(crate) fn encode(self) -> Vec<u8> {
        format!("{TAG}{}", self.word()).into_bytes()
    }

    /// The category named by a close frame's reason, if it names one.
    pub fn decode(reason: &[u8]) -> Option<AbortReason> {
        let word = std::str::from_utf8(reason).ok()?.strip_prefix(TAG)?;
        ALL.into_iter().find(|r| r.word() == word)
    }
}

/// A peer's close reason as we show it: its category, or the text cut to
/// 120 printable characters (it comes from the peer).
pub(crate) fn describe(reason: &[u8]) -> String {
    match AbortReason::decode(reason) {
        Some(r) => format!("{} ({})", r.word(), r.meaning()),
        None => String::from_utf8_lossy(reason)
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_round_trips_and_strangers_are_cut() {
        for r in ALL {
            assert_eq!(AbortReason::decode(&r.encode()), Some(r));
        }
        assert_eq!(AbortReason::decode(b"duet-abort:secret"), None);
        assert_eq!(
            describe(b"duet-abort:output"),
            "output (it cannot write its results)"
        );
        assert_eq!(describe(b"a\nb\x1b[2J"), "ab[2J");
        assert_eq!(describe(&[b'x'; 500]).len(), 120);
    }
}
