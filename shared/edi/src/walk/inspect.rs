//! What is checked inside segments: bytes outside the character set (reject; by the walker, on
//! every segment) and element lengths (warnings; by the walker on envelope segments, and by
//! [`crate::stream::Transaction::warnings`] on a transaction's body, off the walker's hot path).
//! Binary segments are exempt: their data is any bytes.

use crate::charset::{Repertoire, first_forbidden};
use crate::dictionary::{LARGE_ELEMENT, MaxLength, edifact_max_lengths, x12_max_lengths};
use crate::error::EdiError;
use crate::syntax::Syntax;
use crate::token::{Element, Indexed, Segment};

/// True for the X12 binary segments, whose data element holds raw bytes.
pub(super) fn is_binary(syntax: Syntax, tag: &[u8]) -> bool {
    syntax == Syntax::X12 && matches!(tag, b"BIN" | b"BDS")
}

/// The problems inside `segment`'s elements, in element order: its characters when `characters`
/// (the walker knows when a segment lies in a prefix already found clean), element lengths when
/// `lengths`.
pub(super) fn inspect(
    syntax: Syntax,
    repertoire: Repertoire,
    segment: &Segment<'_>,
    characters: bool,
    lengths: bool,
) -> Vec<EdiError> {
    let mut found = Vec::new();
    if is_binary(syntax, segment.tag()) {
        return found;
    }
    let raw = segment.raw();
    if let Some(k) = characters
        .then(|| first_forbidden(raw, segment.delimiters(), repertoire))
        .flatten()
    {
        let (element, component) = locate(segment, k);
        found.push(EdiError::ForbiddenCharacter {
            at: segment.position_of(element, component),
            byte: raw[k],
        });
    }
    if lengths {
        found.extend(length_warnings(syntax, segment));
    }
    found
}

/// Elements longer than their dictionary maximum, and elements longer than
/// [`LARGE_ELEMENT`] for which no maximum is known.
pub(crate) fn length_warnings(syntax: Syntax, segment: &Segment<'_>) -> Vec<EdiError> {
    let mut found = Vec::new();
    let tag = segment.tag();
    if is_binary(syntax, tag) {
        return found;
    }
    let limits = match syntax {
        Syntax::X12 => x12_max_lengths(tag),
        Syntax::Edifact => edifact_max_lengths(tag),
    };
    let mut warned = Vec::new();
    if !limits.is_empty() {
        let mut pending = limits.iter().peekable();
        for (i, element) in segment.elements().enumerate() {
            let n = i + 1;
            while let Some(limit) = pending.next_if(|l| usize::from(l.element) <= n) {
                if usize::from(limit.element) != n {
                    continue;
                }
                let part = if limit.component == 0 {
                    element
                } else {
                    element.component(usize::from(limit.component))
                };
                if part.raw().len() <= usize::from(limit.max) {
                    continue;
                }
                let length = characters(part);
                if length > usize::from(limit.max) {
                    warned.push(n);
                    found.push(too_long(segment, *limit, length));
                }
            }
            if pending.peek().is_none() {
                break;
            }
        }
    }
    if segment.raw().len() > LARGE_ELEMENT {
        for (i, element) in segment.elements().enumerate() {
            let n = i + 1;
            if element.raw().len() > LARGE_ELEMENT && !warned.contains(&n) {
                found.push(EdiError::LargeElement {
                    at: segment.position_of(n, None),
                    length: element.raw().len(),
                });
            }
        }
    }
    found
}

/// [`length_warnings`] from the segment's index (see [`Segment::index_into`]), already split
/// for the reader: the same warnings in the same order, appended to `found`.
#[inline]
pub(crate) fn indexed_length_warnings(
    syntax: Syntax,
    segment: &Segment<'_>,
    index: Indexed<'_>,
    found: &mut Vec<EdiError>,
) {
    let tag = segment.tag();
    if is_binary(syntax, tag) {
        return;
    }
    let limits = match syntax {
        Syntax::X12 => x12_max_lengths(tag),
        Syntax::Edifact => edifact_max_lengths(tag),
    };
    // Nearly every segment: no part longer in bytes than its maximum (a part is never shorter
    // in bytes than in characters), no very large element.
    let over = |limit: &MaxLength| {
        let (n, k) = (usize::from(limit.element), usize::from(limit.component));
        // A component is never longer than its element.
        let (start, end) = index.element(n);
        if end - start <= u32::from(limit.max) {
            return false;
        }
        let bytes = match index.part(n, k) {
            Some((start, end)) => (end - start) as usize,
            None => segment.indexed_part(index, n, k).raw().len(),
        };
        bytes > usize::from(limit.max)
    };
    let within = limits
        .iter()
        .take_while(|limit| usize::from(limit.element) <= index.len())
        .all(|limit| !over(limit));
    if within && segment.raw().len() <= LARGE_ELEMENT {
        return;
    }
    length_warnings_found(segment, index, limits, found);
}

/// The warnings of [`indexed_length_warnings`], for a segment with a part longer in bytes than
/// its maximum or a very large element.
#[cold]
#[inline(never)]
fn length_warnings_found(
    segment: &Segment<'_>,
    index: Indexed<'_>,
    limits: &[MaxLength],
    found: &mut Vec<EdiError>,
) {
    let mut warned = Vec::new();
    // The maxima are listed in element order, from 1 (a dictionary test says so): each is
    // looked up directly, up to the last element the segment has.
    for limit in limits {
        let n = usize::from(limit.element);
        if n > index.len() {
            break;
        }
        // A part is never shorter in bytes than in characters.
        let k = usize::from(limit.component);
        let bytes = match index.part(n, k) {
            Some((start, end)) => (end - start) as usize,
            None => segment.indexed_part(index, n, k).raw().len(),
        };
        if bytes <= usize::from(limit.max) {
            continue;
        }
        let length = characters(segment.indexed_part(index, n, k));
        if length > usize::from(limit.max) {
            warned.push(n);
            found.push(too_long(segment, *limit, length));
        }
    }
    if segment.raw().len() > LARGE_ELEMENT {
        for (i, entry) in index.elements.iter().enumerate() {
            let n = i + 1;
            let length = (entry.end - entry.start) as usize;
            if length > LARGE_ELEMENT && !warned.contains(&n) {
                found.push(EdiError::LargeElement {
                    at: segment.position_of(n, None),
                    length,
                });
            }
        }
    }
}

fn too_long(segment: &Segment<'_>, limit: MaxLength, length: usize) -> EdiError {
    EdiError::ElementTooLong {
        at: segment.position_of(
            usize::from(limit.element),
            (limit.component > 0).then_some(usize::from(limit.component)),
        ),
        max: usize::from(limit.max),
        length,
    }
}

/// Length in characters: release characters do not count, a UTF-8 sequence counts once.
fn characters(part: Element<'_>) -> usize {
    match part.text() {
        Ok(text) => text.chars().count(),
        Err(_) => part.raw().len(),
    }
}

/// The 1-based element (and component, for a composite) that holds byte `k` of the segment.
fn locate(segment: &Segment<'_>, k: usize) -> (usize, Option<usize>) {
    let mut start = segment.tag().len() + 1;
    if k < start {
        return (0, None);
    }
    for (i, element) in segment.elements().enumerate() {
        let end = start + element.raw().len();
        if k < end {
            let component_separator = segment.delimiters().component;
            if !element.raw().contains(&component_separator) {
                return (i + 1, None);
            }
            let mut from = start;
            for (j, component) in element.components().enumerate() {
                let to = from + component.raw().len();
                if k < to {
                    return (i + 1, Some(j + 1));
                }
                from = to + 1;
            }
            return (i + 1, None);
        }
        start = end + 1;
    }
    (0, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Delimiters;

    fn segment(raw: &[u8], delimiters: Delimiters) -> Segment<'_> {
        Segment::new(raw, delimiters, 0, 1, 2)
    }

    #[test]
    fn a_control_character_is_placed_at_its_element_and_component() {
        let n1 = segment(b"N1*ST*AC\0ME*92*1", Delimiters::X12_DEFAULT);
        let found = inspect(Syntax::X12, Repertoire::EightBit, &n1, true, true);
        assert_eq!(found.len(), 1);
        let at = found[0].position();
        assert_eq!((at.element, at.component), (Some(2), None));
        let nad = segment(b"NAD+BY+123::9\x01", Delimiters::EDIFACT_DEFAULT);
        let found = inspect(Syntax::Edifact, Repertoire::EightBit, &nad, true, true);
        let at = found[0].position();
        assert_eq!((at.element, at.component), (Some(2), Some(3)));
    }

    #[test]
    fn an_element_over_its_maximum_is_a_warning() {
        let beg = segment(
            b"BEG*00*SA*PO-THIS-NUMBER-IS-FAR-TOO-LONG**20240115",
            Delimiters::X12_DEFAULT,
        );
        let found = inspect(Syntax::X12, Repertoire::EightBit, &beg, true, true);
        assert!(matches!(
            found.as_slice(),
            [EdiError::ElementTooLong {
                max: 22,
                length: 30,
                ..
            }]
        ));
        let huge = format!("MSG*{}", "X".repeat(LARGE_ELEMENT + 1));
        let msg = segment(huge.as_bytes(), Delimiters::X12_DEFAULT);
        let found = length_warnings(Syntax::X12, &msg);
        assert!(matches!(found.as_slice(), [EdiError::LargeElement { .. }]));
    }
}
