//! Character sets: which bytes may stand inside a data element.
//!
//! # Rules
//! - Every syntax: the C0 control characters (0x00–0x1F) and DEL (0x7F) are not data, except a
//!   byte the interchange uses as a delimiter (X12 may separate with 0x1D, 0x1F…).
//! - EDIFACT `UNOA` and `UNOB` are 7-bit repertoires: every byte above 0x7F is outside them too.
//! - X12 and the other EDIFACT sets: bytes above 0x7F are left to the typed readers, which read
//!   text as UTF-8. Letters outside `UNOA` (lower case) are tolerated: partners that declare
//!   `UNOA` commonly send them and they carry no risk for the reader.
//!
//! The check is one branch-free pass over a segment's bytes (vectorised by the compiler); the
//! element holding a forbidden byte is only looked for when there is one.

use crate::syntax::Delimiters;

/// The EDIFACT syntax identifiers (UNB S001, data element 0001) ISO 9735 defines.
pub const EDIFACT_SYNTAX_IDENTIFIERS: [&str; 15] = [
    "UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOG", "UNOH", "UNOI", "UNOJ", "UNOK", "UNOX",
    "UNOY", "UNOW", "KECA",
];

/// The EDIFACT syntax version numbers (UNB S001, data element 0002) ISO 9735 defines.
pub const EDIFACT_SYNTAX_VERSIONS: [&str; 4] = ["1", "2", "3", "4"];

/// Which bytes above 0x7F an interchange's character set has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repertoire {
    /// EDIFACT `UNOA`, `UNOB`: none.
    SevenBit,
    /// X12 and every other EDIFACT set: all of them (UTF-8 is checked by the readers).
    EightBit,
}

impl Repertoire {
    /// The repertoire of an EDIFACT syntax identifier (`UNOA`…).
    pub(crate) fn of_edifact(syntax_identifier: &str) -> Repertoire {
        if matches!(syntax_identifier, "UNOA" | "UNOB") {
            Repertoire::SevenBit
        } else {
            Repertoire::EightBit
        }
    }
}

/// Index of the first byte of `raw` (one segment, terminator excluded) that is outside the
/// repertoire and is not one of the interchange's delimiters.
#[expect(
    clippy::needless_bitwise_bool,
    reason = "branch-free, so the pass over the segment vectorises"
)]
pub(crate) fn first_forbidden(
    raw: &[u8],
    delimiters: Delimiters,
    repertoire: Repertoire,
) -> Option<usize> {
    let seven_bit = repertoire == Repertoire::SevenBit;
    let suspicious = |b: u8| (b < 0x20) | (b == 0x7F) | (seven_bit & (b >= 0x80));
    if !raw.iter().fold(false, |any, &b| any | suspicious(b)) {
        return None;
    }
    let is_delimiter = |b: u8| {
        b == delimiters.element
            || b == delimiters.component
            || Some(b) == delimiters.repetition
            || Some(b) == delimiters.release
    };
    raw.iter().position(|&b| suspicious(b) && !is_delimiter(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_forbidden_unless_they_delimit() {
        let d = Delimiters::X12_DEFAULT;
        assert_eq!(
            first_forbidden(b"N1*ST*ACME", d, Repertoire::EightBit),
            None
        );
        assert_eq!(
            first_forbidden(b"N1*ST*AC\0ME", d, Repertoire::EightBit),
            Some(8)
        );
        assert_eq!(
            first_forbidden("N1*ST*Müller".as_bytes(), d, Repertoire::EightBit),
            None
        );
        let gs = Delimiters {
            element: 0x1D,
            ..Delimiters::X12_DEFAULT
        };
        assert_eq!(
            first_forbidden(b"N1\x1DST\x1DACME", gs, Repertoire::EightBit),
            None
        );
        assert_eq!(
            first_forbidden(b"N1\x1DST\x1DAC\x7F", gs, Repertoire::EightBit),
            Some(8)
        );
    }

    #[test]
    fn seven_bit_sets_forbid_bytes_above_0x7f() {
        let d = Delimiters::EDIFACT_DEFAULT;
        assert_eq!(
            first_forbidden("NAD+BY+++Müller".as_bytes(), d, Repertoire::SevenBit),
            Some(10)
        );
        assert_eq!(
            first_forbidden("NAD+BY+++Müller".as_bytes(), d, Repertoire::EightBit),
            None
        );
    }
}
