//! The X12 interchange header: 106 fixed-width bytes that carry the delimiters.
//!
//! # Format
//! ```text
//! ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ACMESUPPLY     *240115*1030*^*00401*000000001*0*P*>~
//! ```
//! Byte 3 is the element separator, byte 104 (ISA16) the component separator, byte 105 the
//! segment terminator. ISA11 is the repetition separator from version 00402 on.

use memchr::memchr_iter;

use crate::error::{EdiError, Position, Tag};
use crate::syntax::Delimiters;

/// Exact length of an ISA segment including its terminator.
pub const ISA_LEN: usize = 106;

/// Widths of ISA01…ISA16.
pub const ISA_WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/// How far to look for the sixteen separators of a malformed ISA.
const LENIENT_WINDOW: usize = 512;

/// A readable ISA: its delimiters, its length and what is wrong with its layout.
#[derive(Debug, Clone)]
pub(crate) struct Isa {
    pub delimiters: Delimiters,
    /// Bytes from `I` up to and including the terminator.
    pub len: usize,
    /// Width problems; the delimiters were still recovered.
    pub errors: Vec<EdiError>,
}

#[derive(Debug, Clone)]
pub(crate) enum IsaRead {
    Found(Isa),
    NeedMore,
    Unreadable(EdiError),
}

/// Reads the ISA starting at `pos` of `data`, which starts at absolute offset `base`. A malformed
/// ISA is still read leniently (separators counted) so that a rejecting acknowledgment can be
/// addressed; its problems are listed in `errors`.
pub(crate) fn read_isa(data: &[u8], pos: usize, base: u64, eof: bool, number: u64) -> IsaRead {
    let avail = data.len().saturating_sub(pos);
    let at = Position {
        offset: base + pos as u64,
        segment: number,
        tag: Some(Tag::new(b"ISA")),
        ..Position::default()
    };
    if avail < ISA_LEN && !eof {
        return IsaRead::NeedMore;
    }
    if avail < 4 {
        return IsaRead::Unreadable(EdiError::ShortIsa { at, found: avail });
    }
    let window = &data[pos..data.len().min(pos + LENIENT_WINDOW)];
    let separator = window[3];
    if separator.is_ascii_alphanumeric() || separator.is_ascii_whitespace() {
        return IsaRead::Unreadable(EdiError::InvalidDelimiters {
            at: at.with_element(0, None),
            reason: format!(
                "element separator {:?} is a letter, digit or space",
                char::from(separator)
            ),
        });
    }
    let mut seps = [0usize; 16];
    let mut found = 0;
    for i in memchr_iter(separator, &window[3..]) {
        seps[found] = i + 3;
        found += 1;
        if found == 16 {
            break;
        }
    }
    let terminator_at = seps[15] + 2;
    if found < 16 || terminator_at >= window.len() {
        if !eof && window.len() < LENIENT_WINDOW {
            return IsaRead::NeedMore;
        }
        return IsaRead::Unreadable(EdiError::ShortIsa {
            at,
            found: window.len().min(terminator_at),
        });
    }
    let component = window[seps[15] + 1];
    let segment = window[terminator_at];
    let isa11 = &window[seps[10] + 1..seps[11]];
    let isa12 = &window[seps[11] + 1..seps[12]];
    let repetition =
        (isa12 >= b"00402".as_slice() && isa11.len() == 1 && !isa11[0].is_ascii_alphanumeric())
            .then(|| isa11[0]);
    let delimiters = Delimiters {
        element: separator,
        component,
        repetition,
        segment,
        release: None,
        decimal: b'.',
    };
    if !delimiters.are_usable() {
        let reason = if component == separator || component.is_ascii_alphanumeric() {
            "component separator (ISA16) collides or is a letter or digit"
        } else if segment == separator || segment == component || segment.is_ascii_alphanumeric() {
            "segment terminator collides or is a letter or digit"
        } else {
            "repetition separator (ISA11) collides with another delimiter"
        };
        return IsaRead::Unreadable(EdiError::InvalidDelimiters {
            at,
            reason: reason.to_owned(),
        });
    }
    let len = terminator_at + 1;
    let mut errors = Vec::new();
    if len != ISA_LEN {
        errors.push(EdiError::ShortIsa { at, found: len });
    }
    for (i, &expected) in ISA_WIDTHS.iter().enumerate() {
        let start = seps[i] + 1;
        let end = if i < 15 { seps[i + 1] } else { terminator_at };
        let width = end - start;
        if width != expected {
            errors.push(EdiError::IsaFieldWidth {
                at: at.with_element(i + 1, None),
                element: u8::try_from(i + 1).unwrap_or(u8::MAX),
                expected: u8::try_from(expected).unwrap_or(u8::MAX),
                found: width,
            });
        }
    }
    IsaRead::Found(Isa {
        delimiters,
        len,
        errors,
    })
}

/// Where a binary segment (`BIN*{length}*{data}~`, `BDS*{filter}*{length}*{data}~`) really
/// ends, when it is one.
///
/// # Format
/// The data element holds exactly `length` bytes, any bytes (the delimiters included), and
/// the segment terminator follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binary {
    /// The segment occupies `start..end`; the next one may begin at `next`.
    Extent { end: usize, next: usize },
    /// The declared data reaches past the buffer.
    NeedMore,
    /// The declared length (element `element`) does not end at a segment terminator; `found`
    /// bytes of data precede the first terminator.
    WrongLength {
        element: usize,
        declared: u64,
        found: u64,
    },
    /// The length element is not a number.
    NotANumber { element: usize, value: String },
}

/// Reads the extent of the binary segment at `start`, whose first terminator is at
/// `scanned_end`; `None` when the segment is not `BIN` or `BDS`.
pub(crate) fn binary_extent(
    data: &[u8],
    start: usize,
    scanned_end: usize,
    delimiters: Delimiters,
    eof: bool,
    max_segment: usize,
) -> Option<Binary> {
    let segment = &data[start..scanned_end];
    let separator = delimiters.element;
    let element = match segment {
        [b'B', b'I', b'N', s, ..] if *s == separator => 1,
        [b'B', b'D', b'S', s, ..] if *s == separator => 2,
        _ => return None,
    };
    let mut fields = segment[4..].splitn(element + 1, |&b| b == separator);
    let length = fields.nth(element - 1).unwrap_or_default();
    let declared = std::str::from_utf8(length)
        .ok()
        .filter(|text| (1..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse::<u64>().ok());
    let Some(declared) = declared else {
        return Some(Binary::NotANumber {
            element,
            value: String::from_utf8_lossy(length).into_owned(),
        });
    };
    let Some(header_len) = segment[4..]
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == separator)
        .nth(element - 1)
        .map(|(i, _)| 4 + i + 1)
    else {
        return Some(Binary::WrongLength {
            element,
            declared,
            found: 0,
        });
    };
    let data_start = start + header_len;
    let found = (scanned_end - data_start) as u64;
    let wrong = Binary::WrongLength {
        element,
        declared,
        found,
    };
    let Some(data_end) = usize::try_from(declared)
        .ok()
        .filter(|&n| n <= max_segment)
        .and_then(|n| data_start.checked_add(n))
    else {
        return Some(wrong);
    };
    if data_end >= data.len() {
        return Some(if eof { wrong } else { Binary::NeedMore });
    }
    Some(if data[data_end] == delimiters.segment {
        Binary::Extent {
            end: data_end,
            next: data_end + 1,
        }
    } else {
        wrong
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(text: &[u8]) -> Option<Binary> {
        let end = memchr::memchr(b'~', text).unwrap_or(text.len());
        binary_extent(text, 0, end, Delimiters::X12_DEFAULT, true, 1 << 20)
    }

    #[test]
    fn a_binary_segment_ends_where_its_length_says() {
        assert_eq!(
            extent(b"BIN*5*AB~CD~SE*3*0001~"),
            Some(Binary::Extent { end: 11, next: 12 })
        );
        assert_eq!(
            extent(b"BDS*B64*4*QUJD~SE"),
            Some(Binary::Extent { end: 14, next: 15 })
        );
        assert_eq!(extent(b"N1*ST*ACME~"), None);
    }

    #[test]
    fn a_wrong_binary_length_is_reported() {
        assert_eq!(
            extent(b"BIN*500*SHORT~SE*3*0001~"),
            Some(Binary::WrongLength {
                element: 1,
                declared: 500,
                found: 5
            })
        );
        assert_eq!(
            extent(b"BIN*3*LONGER~SE*3*0001~"),
            Some(Binary::WrongLength {
                element: 1,
                declared: 3,
                found: 6
            })
        );
        assert_eq!(
            extent(b"BIN*X1*DATA~"),
            Some(Binary::NotANumber {
                element: 1,
                value: "X1".to_owned()
            })
        );
    }
}
