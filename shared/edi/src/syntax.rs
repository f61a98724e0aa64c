//! The two syntaxes and their delimiters.

use serde::{Deserialize, Serialize};

/// Which EDI syntax a file or interchange is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    /// ASC X12 (ISA … IEA).
    X12,
    /// UN/EDIFACT (UNA? UNB … UNZ).
    Edifact,
}

impl Syntax {
    /// Lower-case name as printed by the command-line tool (`x12`, `edifact`).
    pub fn name(self) -> &'static str {
        match self {
            Syntax::X12 => "x12",
            Syntax::Edifact => "edifact",
        }
    }
}

impl std::fmt::Display for Syntax {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The service characters of one interchange.
///
/// # Format
/// X12 reads them from the fixed-width ISA: the byte after `ISA` is the element separator,
/// ISA11 the repetition separator (from version 00402 on; before that ISA11 is `U`), ISA16 the
/// component separator and the byte after ISA16 the segment terminator.
/// EDIFACT reads them from `UNA:+.? '` (component, element, decimal mark, release, repetition
/// — a space meaning none — and terminator) or uses exactly those defaults when UNA is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// Separates elements (`*` in X12, `+` in EDIFACT).
    pub element: u8,
    /// Separates components of a composite (`>` or `:` in X12, `:` in EDIFACT).
    pub component: u8,
    /// Separates repetitions of an element, if the interchange has one.
    pub repetition: Option<u8>,
    /// Ends a segment (`~` in X12, `'` in EDIFACT).
    pub segment: u8,
    /// EDIFACT release (escape) character, `?` by default; X12 has none.
    pub release: Option<u8>,
    /// EDIFACT decimal mark (`.` or `,`); X12 always uses `.`.
    pub decimal: u8,
}

impl Delimiters {
    /// The delimiters gridlink writes into X12 interchanges: `*`, `>`, `^`, `~`.
    pub const X12_DEFAULT: Delimiters = Delimiters {
        element: b'*',
        component: b'>',
        repetition: Some(b'^'),
        segment: b'~',
        release: None,
        decimal: b'.',
    };

    /// The EDIFACT defaults that apply when UNA is absent: `:+.? '`.
    pub const EDIFACT_DEFAULT: Delimiters = Delimiters {
        element: b'+',
        component: b':',
        repetition: None,
        segment: b'\'',
        release: Some(b'?'),
        decimal: b'.',
    };

    /// True when the separators are pairwise distinct and none is a letter or digit.
    pub fn are_usable(&self) -> bool {
        let mut all = vec![self.element, self.component, self.segment];
        all.extend(self.repetition);
        all.extend(self.release);
        let distinct = all
            .iter()
            .enumerate()
            .all(|(i, a)| all[i + 1..].iter().all(|b| a != b));
        distinct && all.iter().all(|b| !b.is_ascii_alphanumeric())
    }
}

/// Guesses the syntax of `bytes` from their first significant bytes.
///
/// Leading whitespace and a UTF-8 byte-order mark are skipped. Returns `None` when the bytes
/// start with neither `ISA` nor `UNA`/`UNB`.
pub fn detect(bytes: &[u8]) -> Option<Syntax> {
    let start = significant_start(bytes);
    let rest = &bytes[start..];
    if rest.starts_with(b"ISA") {
        Some(Syntax::X12)
    } else if rest.starts_with(b"UNA") || rest.starts_with(b"UNB") {
        Some(Syntax::Edifact)
    } else {
        None
    }
}

/// Offset of the first byte after a byte-order mark and whitespace.
pub(crate) fn significant_start(bytes: &[u8]) -> usize {
    let mut i = 0;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        i = 3;
    }
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}
