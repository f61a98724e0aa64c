//! The EDIFACT service string advice (UNA).
//!
//! # Format
//! `UNA:+.? '` — exactly six characters after `UNA`: component separator, element separator,
//! decimal mark, release character, repetition separator (space: none; syntax 4 uses `*`),
//! segment terminator. Without UNA the defaults `:+.? '` apply.

use crate::error::{EdiError, Position, Tag};
use crate::syntax::Delimiters;

/// Length of a UNA segment, terminator included.
pub const UNA_LEN: usize = 9;

/// Reads the delimiters at `pos`: from a UNA if there is one (returning its length), or the
/// defaults (length 0).
pub(crate) fn read_una(
    data: &[u8],
    pos: usize,
    number: u64,
) -> Result<(Delimiters, usize), EdiError> {
    let rest = &data[pos.min(data.len())..];
    if !rest.starts_with(b"UNA") {
        return Ok((Delimiters::EDIFACT_DEFAULT, 0));
    }
    let at = Position {
        offset: pos as u64,
        segment: number,
        tag: Some(Tag::new(b"UNA")),
        ..Position::default()
    };
    if rest.len() < UNA_LEN {
        return Err(EdiError::MalformedUna { at });
    }
    let advice = &rest[3..UNA_LEN];
    let delimiters = Delimiters {
        component: advice[0],
        element: advice[1],
        decimal: advice[2],
        release: (advice[3] != b' ').then_some(advice[3]),
        repetition: (advice[4] != b' ').then_some(advice[4]),
        segment: advice[5],
    };
    if !delimiters.are_usable() || !matches!(delimiters.decimal, b'.' | b',') {
        return Err(EdiError::InvalidDelimiters {
            at,
            reason: "UNA service characters collide, are letters or digits, or the decimal mark is neither '.' nor ','"
                .to_owned(),
        });
    }
    Ok((delimiters, UNA_LEN))
}
