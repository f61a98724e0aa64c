//! Typed readers: one transaction set or message → one canonical [`BusinessDocument`].
//!
//! Readers are lenient where partners vary (unknown but well-formed segments are ignored and
//! noted) and strict where correlation depends on it (the document number must be there).
//! Every problem is pushed, with its position, onto the caller's error list.

mod edifact;
mod x12;

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::envelope::TransactionHeader;
use crate::error::{EdiError, Position};
use crate::model::{BusinessDocument, EdiDate, EdiTime, Quantity};
use crate::syntax::Syntax;
use crate::token::{Element, Entry, Indexed, Segment};

/// Reads one transaction (`segments` from ST/UNH to SE/UNT inclusive) into a canonical document.
/// Returns `None` when the set is not supported or too broken to read; `errors` says why.
pub(crate) fn read_document(
    syntax: Syntax,
    header: &TransactionHeader,
    segments: &[Segment<'_>],
    errors: &mut Vec<EdiError>,
) -> Option<BusinessDocument> {
    read(syntax, header, segments, Fields::new(errors))
}

/// The validation-only pass of [`read_document`] (`gridlink-edi check`, reports and
/// acknowledgments): the same reader, the same checks and the same errors, but the text a
/// document would only store is checked and not copied ([`Fields::stored`]), so the document
/// it returns is only fit to be dropped.
///
/// `index` holds the elements of `segments` (split once for the reader and the length
/// warnings alike); without it, each segment is split when the reader comes to it.
pub(crate) fn check_document(
    syntax: Syntax,
    header: &TransactionHeader,
    segments: &[Segment<'_>],
    index: Option<&SegmentIndex>,
    errors: &mut Vec<EdiError>,
) {
    let mut fields = Fields::new(errors);
    fields.keep = false;
    fields.shared = index;
    read(syntax, header, segments, fields);
}

/// The elements and components of a transaction's segments, each segment split once, in order.
#[derive(Debug, Default)]
pub(crate) struct SegmentIndex {
    /// Offset of each segment in the input (they increase).
    offsets: Vec<u64>,
    /// Segment i's elements are `elements[first[i]..first[i + 1]]`.
    first: Vec<u32>,
    elements: Vec<Entry>,
    components: Vec<(u32, u32)>,
}

impl SegmentIndex {
    /// Empties the index, keeping its memory.
    pub fn clear(&mut self) {
        self.offsets.clear();
        self.first.clear();
        self.elements.clear();
        self.components.clear();
    }

    /// Gives back the memory of an index grown by an unusually large transaction (it is kept
    /// between transactions: bounded memory must not keep the largest one's index).
    pub fn release_if_large(&mut self) {
        const KEEP_ELEMENTS: usize = 1 << 16;
        if self.elements.capacity() > KEEP_ELEMENTS
            || self.components.capacity() > KEEP_ELEMENTS
            || self.offsets.capacity() > KEEP_ELEMENTS
        {
            *self = SegmentIndex::default();
        }
    }

    /// Splits `segment` (the next of the transaction) and returns its elements and, when
    /// `components`, its components (see [`Segment::index_elements`]).
    #[inline]
    pub fn push(&mut self, segment: &Segment<'_>, components: bool) -> Indexed<'_> {
        if self.first.is_empty() {
            self.first.push(0);
        }
        let from = self.elements.len();
        if components {
            segment.index_into(&mut self.elements, &mut self.components);
        } else {
            segment.index_elements(&mut self.elements, &mut self.components);
        }
        self.offsets.push(segment.offset());
        self.first
            .push(u32::try_from(self.elements.len()).unwrap_or(u32::MAX));
        Indexed {
            elements: &self.elements[from..],
            components: &self.components,
        }
    }

    /// The index of `segment`: the entry its number in the transaction points at (the index
    /// holds the transaction's segments in order, from its header on), found by its offset
    /// when that entry is another segment's.
    #[inline]
    fn of<'i>(&'i self, segment: &Segment<'_>) -> Option<Indexed<'i>> {
        let offset = segment.offset();
        let at = (segment.in_message() as usize).wrapping_sub(1);
        let i = if self.offsets.get(at) == Some(&offset) {
            at
        } else {
            self.search(offset)?
        };
        let (from, to) = (self.first[i] as usize, self.first[i + 1] as usize);
        Some(Indexed {
            elements: self.elements.get(from..to)?,
            components: &self.components,
        })
    }

    /// The entry of the segment at `offset`, for one whose number does not point at it.
    #[cold]
    #[inline(never)]
    fn search(&self, offset: u64) -> Option<usize> {
        self.offsets.binary_search(&offset).ok()
    }
}

fn read(
    syntax: Syntax,
    header: &TransactionHeader,
    segments: &[Segment<'_>],
    mut fields: Fields<'_>,
) -> Option<BusinessDocument> {
    let first = segments.first()?;
    let body_end = segments.len()
        - usize::from(segments.len() > 1 && is_trailer(segments[segments.len() - 1].tag()));
    let body = &segments[1.min(segments.len())..body_end.max(1)];
    let at = first.position();

    match (syntax, header.set_id.as_str()) {
        (Syntax::X12, "850") => {
            x12::read_purchase_order(body, &at, &mut fields).map(BusinessDocument::PurchaseOrder)
        }
        (Syntax::X12, "855") => {
            x12::read_order_ack(body, &at, &mut fields).map(BusinessDocument::OrderAcknowledgment)
        }
        (Syntax::X12, "856") => {
            x12::read_ship_notice(body, &at, &mut fields).map(BusinessDocument::ShipNotice)
        }
        (Syntax::X12, "810") => {
            x12::read_invoice(body, &at, &mut fields).map(BusinessDocument::Invoice)
        }
        (Syntax::X12, "997" | "999") => Some(BusinessDocument::FunctionalAck(
            x12::read_functional_ack(&header.set_id, body, &mut fields),
        )),
        (Syntax::X12, "214") => {
            x12::read_shipment_status(body, &at, &mut fields).map(BusinessDocument::ShipmentStatus)
        }
        (Syntax::X12, "860") => x12::read_order_change(body, &at, &mut fields)
            .map(BusinessDocument::PurchaseOrderChange),
        (Syntax::X12, "865") => x12::read_order_change_ack(body, &at, &mut fields)
            .map(BusinessDocument::PurchaseOrderChangeAck),
        (Syntax::Edifact, "ORDCHG") => edifact::read_order_change(body, &at, &mut fields)
            .map(BusinessDocument::PurchaseOrderChange),
        (Syntax::Edifact, "ORDERS") => edifact::read_purchase_order(body, &at, &mut fields)
            .map(BusinessDocument::PurchaseOrder),
        (Syntax::Edifact, "ORDRSP") => edifact::read_order_ack(body, &at, &mut fields)
            .map(BusinessDocument::OrderAcknowledgment),
        (Syntax::Edifact, "DESADV") => {
            edifact::read_ship_notice(body, &at, &mut fields).map(BusinessDocument::ShipNotice)
        }
        (Syntax::Edifact, "INVOIC") => {
            edifact::read_invoice(body, &at, &mut fields).map(BusinessDocument::Invoice)
        }
        (Syntax::Edifact, "CONTRL") => Some(BusinessDocument::FunctionalAck(edifact::read_contrl(
            body,
            &mut fields,
        ))),
        (Syntax::Edifact, "IFTSTA") => edifact::read_shipment_status(body, &at, &mut fields)
            .map(BusinessDocument::ShipmentStatus),
        _ => {
            fields.errors.push(EdiError::UnsupportedTransaction {
                at,
                set_id: header.set_id.clone(),
            });
            None
        }
    }
}

fn is_trailer(tag: &[u8]) -> bool {
    tag == b"SE" || tag == b"UNT"
}

/// Typed access to elements that records every problem with its position.
pub(crate) struct Fields<'e> {
    pub errors: &'e mut Vec<EdiError>,
    index: ElementIndex,
    /// The whole transaction split beforehand (validation-only pass).
    shared: Option<&'e SegmentIndex>,
    /// The segment last found in `shared`: its offset and index.
    last: Option<(u64, Indexed<'e>)>,
    /// False on the validation-only pass ([`check_document`]): [`Fields::stored`] text is
    /// checked but not copied.
    keep: bool,
}

/// The elements and components of the segment last read, so that a reader asking for several
/// elements of one segment splits it once, not once per element.
#[derive(Default)]
struct ElementIndex {
    /// The segment indexed: its offset and number (`None` before the first).
    key: Option<(u64, u64)>,
    elements: Vec<Entry>,
    components: Vec<(u32, u32)>,
}

impl ElementIndex {
    /// The elements and components of `segment`, split now unless it is the one split last.
    fn of(&mut self, segment: &Segment<'_>) -> Indexed<'_> {
        let key = Some((segment.offset(), segment.number()));
        if self.key != key {
            self.key = key;
            self.elements.clear();
            self.components.clear();
            segment.index_into(&mut self.elements, &mut self.components);
        }
        Indexed {
            elements: &self.elements,
            components: &self.components,
        }
    }
}

impl<'e> Fields<'e> {
    pub fn new(errors: &'e mut Vec<EdiError>) -> Fields<'e> {
        Fields {
            errors,
            index: ElementIndex::default(),
            shared: None,
            last: None,
            keep: true,
        }
    }
}

impl Fields<'_> {
    /// Element `n` (1-based) of `segment`; an empty element when the segment is shorter.
    #[inline]
    fn element<'s>(&mut self, segment: &Segment<'s>, n: usize) -> Element<'s> {
        let (start, end) = self.bounds(segment).element(n);
        segment.element_at(start as usize, end as usize)
    }

    /// The elements and components of `segment`: from the shared index, or split now (once
    /// per segment).
    #[inline]
    fn bounds(&mut self, segment: &Segment<'_>) -> Indexed<'_> {
        match self.last {
            Some((offset, found)) if offset == segment.offset() => found,
            _ => self.look_up(segment),
        }
    }

    /// [`Fields::bounds`] of a segment other than the last one found in the shared index.
    #[inline(never)]
    fn look_up(&mut self, segment: &Segment<'_>) -> Indexed<'_> {
        if let Some(found) = self.shared.and_then(|shared| shared.of(segment)) {
            self.last = Some((segment.offset(), found));
            return found;
        }
        self.split_now(segment)
    }

    /// [`Fields::bounds`] without a shared index (the full read, a transaction too large to
    /// index whole): the segment split now, out of the validation-only pass's way.
    #[inline(never)]
    fn split_now(&mut self, segment: &Segment<'_>) -> Indexed<'_> {
        self.index.of(segment)
    }

    /// The number of elements of `segment` (trailing empty ones included).
    pub fn element_count(&mut self, segment: &Segment<'_>) -> usize {
        self.bounds(segment).len()
    }

    /// The text of element `n` (component `k`, or the whole element when `k` is 0); `None` when
    /// empty.
    pub fn text(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<String> {
        self.code(segment, n, k).map(Cow::into_owned)
    }

    /// Like [`Fields::text`], for text the document only stores (names, ids, descriptions —
    /// never text a reader looks at again or quotes in an error): checked the same way, but on
    /// the validation-only pass an empty `String` (no allocation) stands for a present value.
    #[expect(
        clippy::inline_always,
        reason = "on the path of every stored text (names, ids, descriptions); left to itself the compiler calls it (callgrind, check: 1.3-1.5 % more instructions)"
    )]
    #[inline(always)]
    pub fn stored(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<String> {
        if self.keep {
            return self.text(segment, n, k);
        }
        let part = self.part(segment, n, k);
        self.present(segment, part, n, k).then(String::new)
    }

    /// Like [`Fields::required`], for text the document only stores (see [`Fields::stored`]).
    pub fn required_stored(
        &mut self,
        segment: &Segment<'_>,
        n: usize,
        k: usize,
        name: &str,
    ) -> String {
        if self.keep {
            return self.required(segment, n, k, name);
        }
        let part = self.part(segment, n, k);
        if !self.present(segment, part, n, k) {
            self.missing_element(segment, n, k, name);
        }
        String::new()
    }

    /// The text of an element already split from `segment` (at position `n`, component `k`), for
    /// text the document only stores (see [`Fields::stored`]).
    #[expect(
        clippy::inline_always,
        reason = "on the path of the X12 readers' product ids; left to itself the compiler calls it (callgrind, check: 1.1 % more instructions on X12)"
    )]
    #[inline(always)]
    pub fn decode_stored(
        &mut self,
        segment: &Segment<'_>,
        part: Element<'_>,
        n: usize,
        k: usize,
    ) -> Option<String> {
        if self.keep {
            return self.decode_code(segment, part, n, k).map(Cow::into_owned);
        }
        self.present(segment, part, n, k).then(String::new)
    }

    /// False on the validation-only pass: what a document only stores need not be kept.
    #[inline]
    pub fn keeps(&self) -> bool {
        self.keep
    }

    /// Element `n` of `segment`, or its component `k` when `k` is not 0.
    #[expect(
        clippy::inline_always,
        reason = "on every field's path; left to itself the compiler calls it (callgrind, check: 1-2 % more instructions)"
    )]
    #[inline(always)]
    fn part<'s>(&mut self, segment: &Segment<'s>, n: usize, k: usize) -> Element<'s> {
        segment.indexed_part(self.bounds(segment), n, k)
    }

    /// What [`Fields::decode_code`] checks, without decoding: true when `part` holds text,
    /// false when it is empty or (an error recorded) not text.
    #[inline]
    fn present(&mut self, segment: &Segment<'_>, part: Element<'_>, n: usize, k: usize) -> bool {
        if part.is_empty() {
            return false;
        }
        segment.text_of(part).is_some() || self.present_slowly(segment, part, n, k)
    }

    /// [`Fields::present`] for a part not sliced from the transaction's text: decoded.
    #[cold]
    #[inline(never)]
    fn present_slowly(
        &mut self,
        segment: &Segment<'_>,
        part: Element<'_>,
        n: usize,
        k: usize,
    ) -> bool {
        if part.is_text() {
            true
        } else {
            self.errors.push(EdiError::InvalidCharacter {
                at: segment.position_of(n, (k > 0).then_some(k)),
            });
            false
        }
    }

    /// Like [`Fields::text`], borrowed from the input (owned only when a release character had
    /// to be removed): for codes that are looked up, numbers and dates, which need no copy.
    #[expect(
        clippy::inline_always,
        reason = "on most fields' path (decimals, dates, codes); left to itself the compiler calls it (callgrind, check: 1.7-1.9 % more instructions)"
    )]
    #[inline(always)]
    pub fn code<'s>(&mut self, segment: &Segment<'s>, n: usize, k: usize) -> Option<Cow<'s, str>> {
        let part = self.part(segment, n, k);
        self.decode_code(segment, part, n, k)
    }

    /// Like [`Fields::decode_stored`], borrowed from the input.
    #[inline]
    pub fn decode_code<'s>(
        &mut self,
        segment: &Segment<'s>,
        part: Element<'s>,
        n: usize,
        k: usize,
    ) -> Option<Cow<'s, str>> {
        if part.is_empty() {
            return None;
        }
        if let Some(text) = segment.text_of(part) {
            return Some(Cow::Borrowed(text));
        }
        self.decode_slowly(segment, part, n, k)
    }

    /// [`Fields::decode_code`] for a part not sliced from the transaction's text: decoded.
    #[cold]
    #[inline(never)]
    fn decode_slowly<'s>(
        &mut self,
        segment: &Segment<'s>,
        part: Element<'s>,
        n: usize,
        k: usize,
    ) -> Option<Cow<'s, str>> {
        if let Ok(text) = part.text() {
            Some(text)
        } else {
            self.errors.push(EdiError::InvalidCharacter {
                at: segment.position_of(n, (k > 0).then_some(k)),
            });
            None
        }
    }

    /// Like [`Fields::text`], but an empty value is an error.
    pub fn required(&mut self, segment: &Segment<'_>, n: usize, k: usize, name: &str) -> String {
        self.required_code(segment, n, k, name).into_owned()
    }

    /// Like [`Fields::required`], borrowed from the input.
    #[expect(
        clippy::inline_always,
        reason = "on the path of every required field; left to itself the compiler calls it (callgrind, check: 0.2-0.8 % more instructions)"
    )]
    #[inline(always)]
    pub fn required_code<'s>(
        &mut self,
        segment: &Segment<'s>,
        n: usize,
        k: usize,
        name: &str,
    ) -> Cow<'s, str> {
        if let Some(text) = self.code(segment, n, k) {
            text
        } else {
            self.missing_element(segment, n, k, name);
            Cow::Borrowed("")
        }
    }

    /// Records that a required element is empty, unless its emptiness was already reported
    /// (as characters that are not text).
    fn missing_element(&mut self, segment: &Segment<'_>, n: usize, k: usize, name: &str) {
        if !self.has_error_at(segment, n) {
            self.errors.push(EdiError::MissingElement {
                at: segment.position_of(n, (k > 0).then_some(k)),
                name: name.to_owned(),
            });
        }
    }

    fn has_error_at(&self, segment: &Segment<'_>, n: usize) -> bool {
        self.errors.last().is_some_and(|e| {
            let p = e.position();
            p.offset == segment.offset() && p.element == u16::try_from(n).ok()
        })
    }

    /// An exact decimal (`-12.50`; EDIFACT may use `,` as its decimal mark).
    #[expect(
        clippy::inline_always,
        reason = "on the path of every amount, price and quantity; left to itself the compiler calls it (callgrind, check: 0.6-1.3 % more instructions)"
    )]
    #[inline(always)]
    pub fn decimal(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<Decimal> {
        let text = self.code(segment, n, k)?;
        let parsed = if self.keep {
            parse_decimal(&text, segment.delimiters().decimal)
        } else {
            // The validation-only pass keeps no value: the syntax decides, as it does for
            // parse_decimal (a test holds the two together).
            is_decimal(&text, segment.delimiters().decimal).then_some(Decimal::ZERO)
        };
        if parsed.is_none() {
            self.errors.push(EdiError::InvalidNumber {
                at: segment.position_of(n, (k > 0).then_some(k)),
                value: text.into_owned(),
            });
        }
        parsed
    }

    /// A required quantity from a value element and a unit element (unit defaults to `EA`).
    pub fn quantity(
        &mut self,
        segment: &Segment<'_>,
        value: (usize, usize),
        unit: (usize, usize),
    ) -> Option<Quantity> {
        let amount = self.decimal(segment, value.0, value.1)?;
        let unit = self
            .code(segment, unit.0, unit.1)
            .map_or_else(|| "EA".to_owned(), |unit| normalise_unit(&unit));
        Some(Quantity {
            value: amount,
            unit,
        })
    }

    /// Like [`Fields::quantity`], for a quantity the document only stores: on the
    /// validation-only pass its unit is left empty (see [`Fields::stored`]).
    #[expect(
        clippy::inline_always,
        reason = "once per line item; left to itself the compiler calls it (callgrind, check: 0.3-0.4 % more instructions)"
    )]
    #[inline(always)]
    pub fn stored_quantity(
        &mut self,
        segment: &Segment<'_>,
        value: (usize, usize),
        unit: (usize, usize),
    ) -> Option<Quantity> {
        if self.keep {
            return self.quantity(segment, value, unit);
        }
        let amount = self.decimal(segment, value.0, value.1)?;
        // The unit is read for its errors (a character that is not text).
        let _ = self.code(segment, unit.0, unit.1);
        Some(Quantity {
            value: amount,
            unit: String::new(),
        })
    }

    /// A `CCYYMMDD` date (the first eight characters of a longer date-time).
    #[expect(
        clippy::inline_always,
        reason = "on the path of every date; left to itself the compiler calls it (callgrind, check: 0.1 % more instructions)"
    )]
    #[inline(always)]
    pub fn date(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<EdiDate> {
        let text = self.code(segment, n, k)?;
        let parsed = text.get(..8).and_then(EdiDate::parse_ccyymmdd);
        if parsed.is_none() {
            self.errors.push(EdiError::InvalidDate {
                at: segment.position_of(n, (k > 0).then_some(k)),
                value: text.into_owned(),
            });
        }
        parsed
    }

    /// An `HHMM` time.
    pub fn time(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<EdiTime> {
        let text = self.code(segment, n, k)?;
        let parsed = EdiTime::parse_hhmm(&text);
        if parsed.is_none() {
            self.errors.push(EdiError::InvalidTime {
                at: segment.position_of(n, (k > 0).then_some(k)),
                value: text.into_owned(),
            });
        }
        parsed
    }

    /// A small count (`AK902`, `CTT01`).
    pub fn count(&mut self, segment: &Segment<'_>, n: usize) -> Option<u32> {
        let text = self.code(segment, n, 0)?;
        let parsed = text.parse().ok();
        if parsed.is_none() {
            self.errors.push(EdiError::InvalidNumber {
                at: segment.position_of(n, None),
                value: text.into_owned(),
            });
        }
        parsed
    }

    /// Notes a well-formed segment the reader does not use.
    pub fn unknown(&mut self, segment: &Segment<'_>) {
        self.errors.push(EdiError::UnknownSegment {
            at: segment.position(),
            tag: String::from_utf8_lossy(segment.tag()).into_owned(),
        });
    }

    /// Records a missing mandatory segment, positioned at the transaction header.
    pub fn missing_segment(&mut self, at: &Position, tag: &str) {
        self.errors.push(EdiError::MissingSegment {
            at: *at,
            tag: tag.to_owned(),
        });
    }
}

/// Parses an exact decimal: optional `-`, digits, at most one decimal mark. No exponents, no
/// grouping, at most 28 significant digits.
pub(crate) fn parse_decimal(text: &str, decimal_mark: u8) -> Option<Decimal> {
    if !is_decimal(text, decimal_mark) {
        return None;
    }
    let normalised: Cow<'_, str> = if decimal_mark == b'.' {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.replace(char::from(decimal_mark), "."))
    };
    let normalised = normalised.strip_suffix('.').unwrap_or(&normalised);
    Decimal::from_str_exact(normalised).ok()
}

/// True when `text` has the syntax [`parse_decimal`] reads: optional `-`, one to 28 digits, at
/// most one decimal mark. Every such text parses (28 digits stay below `Decimal::MAX`).
fn is_decimal(text: &str, decimal_mark: u8) -> bool {
    let bytes = text.as_bytes();
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let mut marks = 0;
    let mut count = 0;
    for &b in digits {
        if b == decimal_mark || b == b'.' {
            marks += 1;
        } else if b.is_ascii_digit() {
            count += 1;
        } else {
            return false;
        }
    }
    count > 0 && marks <= 1 && count <= 28
}

/// EDIFACT piece units read as X12's `EA`.
pub(crate) fn normalise_unit(unit: &str) -> String {
    match unit {
        "PCE" | "C62" | "H87" => "EA".to_owned(),
        _ => unit.to_owned(),
    }
}

/// True when `sscc` is 18 digits with a correct GS1 mod-10 check digit.
pub fn sscc_is_valid(sscc: &str) -> bool {
    let bytes = sscc.as_bytes();
    if bytes.len() != 18 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    let check = (10 - sum % 10) % 10;
    u32::from(bytes[17] - b'0') == check
}

#[cfg(test)]
mod tests {
    use super::{is_decimal, parse_decimal};

    /// The validation-only pass decides with `is_decimal` alone: every text it accepts must
    /// parse. Every text of up to five characters over digits, signs and marks, and long ones
    /// around the 28-digit limit.
    #[test]
    fn every_text_with_the_decimal_syntax_parses() {
        let alphabet = b"-.,0159+ ";
        let mut texts: Vec<String> = vec![String::new()];
        let mut last = texts.clone();
        for _ in 0..5 {
            let next: Vec<String> = last
                .iter()
                .flat_map(|t| {
                    alphabet
                        .iter()
                        .map(move |&c| format!("{t}{}", char::from(c)))
                })
                .collect();
            texts.extend(next.iter().cloned());
            last = next;
        }
        for digits in 26..=30 {
            let nines = "9".repeat(digits);
            for at in [0, 1, digits / 2, digits - 1, digits] {
                let (a, b) = nines.split_at(at);
                for sign in ["", "-"] {
                    texts.push(format!("{sign}{a}.{b}"));
                    texts.push(format!("{sign}{a},{b}"));
                    texts.push(format!("{sign}0{a}.{b}0"));
                }
            }
            texts.push(nines);
        }
        for text in &texts {
            for mark in [b'.', b','] {
                assert_eq!(
                    is_decimal(text, mark),
                    parse_decimal(text, mark).is_some(),
                    "{text:?} {}",
                    char::from(mark)
                );
            }
        }
    }
}
