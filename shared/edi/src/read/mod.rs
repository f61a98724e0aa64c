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
use crate::token::{Element, Segment};

/// Reads one transaction (`segments` from ST/UNH to SE/UNT inclusive) into a canonical document.
/// Returns `None` when the set is not supported or too broken to read; `errors` says why.
pub(crate) fn read_document(
    syntax: Syntax,
    header: &TransactionHeader,
    segments: &[Segment<'_>],
    errors: &mut Vec<EdiError>,
) -> Option<BusinessDocument> {
    let first = segments.first()?;
    let body_end = segments.len()
        - usize::from(segments.len() > 1 && is_trailer(segments[segments.len() - 1].tag()));
    let body = &segments[1.min(segments.len())..body_end.max(1)];
    let mut fields = Fields::new(errors);
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
}

/// Where the elements of the segment last read start and end, so that a reader asking for
/// several elements of one segment splits it once, not once per element.
#[derive(Default)]
struct ElementIndex {
    /// The segment indexed: its offset and number (`None` before the first).
    key: Option<(u64, u64)>,
    /// Element n (1-based) occupies `bounds[n - 1]` of the segment's bytes.
    bounds: Vec<(usize, usize)>,
}

impl<'e> Fields<'e> {
    pub fn new(errors: &'e mut Vec<EdiError>) -> Fields<'e> {
        Fields {
            errors,
            index: ElementIndex::default(),
        }
    }
}

impl Fields<'_> {
    /// Element `n` (1-based) of `segment`; an empty element when the segment is shorter.
    fn element<'s>(&mut self, segment: &Segment<'s>, n: usize) -> Element<'s> {
        let key = Some((segment.offset(), segment.number()));
        let index = &mut self.index;
        if index.key != key {
            index.key = key;
            index.bounds.clear();
            let mut start = segment.elements_start();
            for element in segment.elements() {
                let end = start + element.raw().len();
                index.bounds.push((start, end));
                start = end + 1;
            }
        }
        match n.checked_sub(1).and_then(|i| index.bounds.get(i)) {
            Some(&(start, end)) => segment.element_at(start, end),
            None => segment.element_at(0, 0),
        }
    }

    /// The text of element `n` (component `k`, or the whole element when `k` is 0); `None` when
    /// empty.
    pub fn text(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<String> {
        self.code(segment, n, k).map(Cow::into_owned)
    }

    /// Like [`Fields::text`], borrowed from the input (owned only when a release character had
    /// to be removed): for codes that are looked up, numbers and dates, which need no copy.
    pub fn code<'s>(&mut self, segment: &Segment<'s>, n: usize, k: usize) -> Option<Cow<'s, str>> {
        let element = self.element(segment, n);
        let part = if k == 0 {
            element
        } else {
            element.component(k)
        };
        self.decode_code(segment, part, n, k)
    }

    /// The text of an element already split from `segment` (at position `n`, component `k`).
    pub fn decode(
        &mut self,
        segment: &Segment<'_>,
        part: Element<'_>,
        n: usize,
        k: usize,
    ) -> Option<String> {
        self.decode_code(segment, part, n, k).map(Cow::into_owned)
    }

    /// Like [`Fields::decode`], borrowed from the input.
    pub fn decode_code<'s>(
        &mut self,
        segment: &Segment<'_>,
        part: Element<'s>,
        n: usize,
        k: usize,
    ) -> Option<Cow<'s, str>> {
        if part.is_empty() {
            return None;
        }
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
            if !self.has_error_at(segment, n) {
                self.errors.push(EdiError::MissingElement {
                    at: segment.position_of(n, (k > 0).then_some(k)),
                    name: name.to_owned(),
                });
            }
            Cow::Borrowed("")
        }
    }

    fn has_error_at(&self, segment: &Segment<'_>, n: usize) -> bool {
        self.errors.last().is_some_and(|e| {
            let p = e.position();
            p.offset == segment.offset() && p.element == u16::try_from(n).ok()
        })
    }

    /// An exact decimal (`-12.50`; EDIFACT may use `,` as its decimal mark).
    pub fn decimal(&mut self, segment: &Segment<'_>, n: usize, k: usize) -> Option<Decimal> {
        let text = self.code(segment, n, k)?;
        let parsed = parse_decimal(&text, segment.delimiters().decimal);
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

    /// A `CCYYMMDD` date (the first eight characters of a longer date-time).
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
            return None;
        }
    }
    if count == 0 || marks > 1 || count > 28 {
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
