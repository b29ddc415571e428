//! `[protocol]`: the cryptographic settings both parties must share. They
//! are part of the job, so the job hash compared at the handshake refuses
//! a peer with other settings before any OT runs.

use core::fmt;
use core::str::FromStr;

use duet_ot::OtExtension;
use serde::{Deserialize, Serialize};

/// The OT extension a job runs when its file names none: SoftSpoken with
/// k = 4. It sends 1,032 bytes per Z_2^64 Beaver triple against IKNP's
/// 2,568, and over loopback QUIC it made more triples per second than
/// IKNP in every alternating run, uncapped and over a 1 Gbit/s link
/// (docs/BENCHMARKS.md, "Choosing the OT extension"). IKNP stays
/// selectable (`ot_extension = "iknp"`).
pub const DEFAULT_OT_EXTENSION: OtChoice = OtChoice::SoftSpoken4;

/// `[protocol]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolSpec {
    /// The OT extension that makes the triples (and the OT of a linked
    /// study); [`DEFAULT_OT_EXTENSION`] when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ot_extension: Option<OtChoice>,
}

impl ProtocolSpec {
    /// The extension in force.
    pub fn ot(&self) -> OtChoice {
        self.ot_extension.unwrap_or(DEFAULT_OT_EXTENSION)
    }

    /// Whether the job hash leaves the table out: with IKNP, what every
    /// job ran before the table existed, so those jobs keep their hash
    /// and still meet a peer of an older build. Any other choice is hashed
    /// (also when it is the default), so builds that would run different
    /// extensions are refused at the handshake.
    pub(super) fn hashes_as_absent(&self) -> bool {
        self.ot_extension == Some(OtChoice::Iknp)
    }

    /// Writes the default in, so the hash is of the meaning.
    pub(super) fn normalise(&mut self) {
        self.ot_extension = Some(self.ot());
    }
}

/// `protocol.ot_extension`: one of the extensions duet offers in jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OtChoice {
    /// IKNP (Ishai-Kilian-Nissim-Petrank 2003): 16 bytes per OT.
    #[serde(rename = "iknp")]
    Iknp,
    /// SoftSpoken OT (Roy 2022), k = 2: 8 bytes per OT.
    #[serde(rename = "softspoken-2")]
    SoftSpoken2,
    /// SoftSpoken OT, k = 4: 4 bytes per OT.
    #[serde(rename = "softspoken-4")]
    SoftSpoken4,
    /// SoftSpoken OT, k = 8: 2 bytes per OT, the most computation.
    #[serde(rename = "softspoken-8")]
    SoftSpoken8,
}

impl OtChoice {
    /// Every choice, in the order the docs list them.
    pub const ALL: [OtChoice; 4] = [
        OtChoice::Iknp,
        OtChoice::SoftSpoken2,
        OtChoice::SoftSpoken4,
        OtChoice::SoftSpoken8,
    ];

    /// The extension duet-ot runs for this choice.
    pub fn extension(self) -> OtExtension {
        match self {
            OtChoice::Iknp => OtExtension::Iknp,
            OtChoice::SoftSpoken2 => OtExtension::SoftSpoken { k: 2 },
            OtChoice::SoftSpoken4 => OtExtension::SoftSpoken { k: 4 },
            OtChoice::SoftSpoken8 => OtExtension::SoftSpoken { k: 8 },
        }
    }

    /// The name in job files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OtChoice::Iknp => "iknp",
            OtChoice::SoftSpoken2 => "softspoken-2",
            OtChoice::SoftSpoken4 => "softspoken-4",
            OtChoice::SoftSpoken8 => "softspoken-8",
        }
    }
}

impl fmt::Display for OtChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An OT extension name duet does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown OT extension '{found}': expected iknp, softspoken-2, softspoken-4 or softspoken-8"
)]
pub struct UnknownOtChoice {
    /// The name given.
    pub found: String,
}

impl FromStr for OtChoice {
    type Err = UnknownOtChoice;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OtChoice::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownOtChoice {
                found: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for c in OtChoice::ALL {
            assert_eq!(c.name().parse::<OtChoice>(), Ok(c));
            assert_eq!(c.extension().validate().ok(), Some(c.extension()));
        }
        let e = "softspoken-3".parse::<OtChoice>().unwrap_err();
        assert_eq!(e.found, "softspoken-3");
        assert!("IKNP".parse::<OtChoice>().is_err());
    }
}
