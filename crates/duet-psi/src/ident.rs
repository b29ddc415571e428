//! Normalising identifiers before they are hashed: both institutions must
//! turn "  Müller " and "MU\u{308}LLER" into the same bytes, or records of the
//! same person will not link.
//!
//! Both sides must apply the same [`Normalizer`] settings; put them in the
//! job file both sides agree on.

use unicode_normalization::UnicodeNormalization;

/// How identifiers are cleaned before hashing. The default applies every
/// step: trim, collapse inner whitespace, case folding, Unicode NFC.
///
/// Case folding is Unicode lowercasing (`str::to_lowercase`), which maps
/// `"ÉVA"` to `"éva"` but keeps `"ß"` (full case folding would give `"ss"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Normalizer {
    trim: bool,
    collapse_whitespace: bool,
    case_fold: bool,
    nfc: bool,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer {
            trim: true,
            collapse_whitespace: true,
            case_fold: true,
            nfc: true,
        }
    }
}

impl Normalizer {
    /// A normaliser that changes nothing (identifiers are used byte for byte).
    pub fn exact() -> Self {
        Normalizer {
            trim: false,
            collapse_whitespace: false,
            case_fold: false,
            nfc: false,
        }
    }

    /// Whether to remove leading and trailing whitespace (default on).
    pub fn trim(mut self, on: bool) -> Self {
        self.trim = on;
        self
    }

    /// Whether to replace each run of inner whitespace by one space (default on).
    pub fn collapse_whitespace(mut self, on: bool) -> Self {
        self.collapse_whitespace = on;
        self
    }

    /// Whether to lowercase (default on).
    pub fn case_fold(mut self, on: bool) -> Self {
        self.case_fold = on;
        self
    }

    /// Whether to apply Unicode canonical composition, NFC (default on).
    pub fn nfc(mut self, on: bool) -> Self {
        self.nfc = on;
        self
    }

    /// The normalised form of `id`.
    pub fn apply(&self, id: &str) -> String {
        let mut s: String = if self.nfc {
            id.nfc().collect()
        } else {
            id.to_owned()
        };
        if self.trim {
            s = s.trim().to_owned();
        }
        if self.collapse_whitespace {
            s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        if self.case_fold {
            s = s.to_lowercase();
            if self.nfc {
                // Lowercasing can undo composition (e.g. of some Greek forms).
                s = s.nfc().collect();
            }
        }
        s
    }

    /// A composite key, such as identifier and birth date, each part
    /// normalised and length-prefixed so `("ab", "c")` and `("a", "bc")`
    /// differ. Empty if any part is empty after normalisation: a record with
    /// a missing part must not link on the other parts alone.
    pub fn composite(&self, parts: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in parts {
            let p = self.apply(part);
            if p.is_empty() {
                return Vec::new();
            }
            out.extend_from_slice(&(p.len() as u64).to_le_bytes());
            out.extend_from_slice(p.as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_folds_and_composes() {
        let n = Normalizer::default();
        assert_eq!(n.apply("  MU\u{308}LLER \t Anna "), "müller anna");
        assert_eq!(n.apply("Müller Anna"), n.apply("MU\u{308}LLER  ANNA"));
        assert_eq!(n.apply("Straße"), "straße");
        assert_eq!(n.apply(" \t "), "");
        assert_eq!(Normalizer::exact().apply(" A "), " A ");
        assert_eq!(n.case_fold(false).apply(" A\u{301} "), "\u{c1}");
        assert_eq!(n.nfc(false).apply("A\u{301}"), "a\u{301}");
    }

    #[test]
    fn composite_keys_are_unambiguous_and_empty_if_a_part_is() {
        let n = Normalizer::default();
        assert_ne!(n.composite(&["ab", "c"]), n.composite(&["a", "bc"]));
        assert_eq!(
            n.composite(&["ID1", "1970-01-02"]),
            n.composite(&[" id1", "1970-01-02 "])
        );
        assert_eq!(n.composite(&["id1", " "]), Vec::<u8>::new());
        let k = n.composite(&["x"]);
        assert_eq!(k, [&1u64.to_le_bytes()[..], b"x"].concat());
    }
}
