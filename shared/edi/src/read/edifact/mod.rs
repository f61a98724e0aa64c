//! EDIFACT readers: ORDERS, ORDRSP, DESADV, INVOIC, CONTRL, IFTSTA, ORDCHG.

mod billing;
mod changes;
mod contrl;
mod orders;
mod shipping;

pub(crate) use billing::read_invoice;
pub(crate) use changes::read_order_change;
pub(crate) use contrl::read_contrl;
pub(crate) use orders::{read_order_ack, read_purchase_order};
pub(crate) use shipping::{read_ship_notice, read_shipment_status};

use crate::model::{
    Address, EdiDate, EdiTime, IdScheme, Party, PartyIdentifier, PartyRole, ProductId,
    ProductIdKind,
};
use crate::token::{Segment, tag_key, tag_keys};

use super::Fields;

/// Segments partners commonly send that the canonical model does not need.
const IGNORED: [u32; 39] = tag_keys([
    b"FTX", b"CNT", b"UNS", b"TAX", b"ALC", b"TDT", b"LOC", b"PAT", b"CTA", b"COM", b"MEA", b"PAC",
    b"PCI", b"GIN", b"RFF", b"DTM", b"MOA", b"CUX", b"IMD", b"PIA", b"QTY", b"PRI", b"ALI", b"TOD",
    b"EQD", b"SEL", b"HAN", b"CNI", b"STS", b"GIR", b"SCC", b"RNG", b"PCD", b"RTE", b"DOC", b"NAD",
    b"GIS", b"EMP", b"EQA",
]);

/// Handles the segments every reader tolerates; notes unknown ones.
pub(super) fn other_segment(segment: &Segment<'_>, fields: &mut Fields<'_>) {
    if !tag_key(segment.tag()).is_some_and(|key| IGNORED.contains(&key)) {
        fields.unknown(segment);
    }
}

/// `NAD+{role}+{id}::{agency}++{name}+{street}+{city}+{state}+{postal}+{country}`.
pub(super) fn party(segment: &Segment<'_>, fields: &mut Fields<'_>) -> Party {
    let role = PartyRole::from_edifact(&fields.required_code(segment, 1, 0, "NAD 3035"));
    let id = fields.stored(segment, 2, 1).map(|value| PartyIdentifier {
        scheme: IdScheme::from_edifact(&fields.code(segment, 2, 3).unwrap_or_default()),
        value,
    });
    let name = fields
        .stored(segment, 4, 1)
        .or_else(|| fields.stored(segment, 3, 1));
    // Elements the segment does not have hold no address (and no error).
    let address = if fields.element_count(segment) < 5 {
        Address::default()
    } else {
        Address {
            street: fields.stored(segment, 5, 1),
            city: fields.stored(segment, 6, 0),
            state: fields.stored(segment, 7, 1),
            postal_code: fields.stored(segment, 8, 0),
            country: fields.stored(segment, 9, 0),
        }
    };
    Party {
        role,
        name,
        id,
        address: (address != Address::default()).then_some(address),
    }
}

/// The product id in LIN C212 (`LIN+1++4000862141404:SRV`).
/// Product ids are only stored: on the validation-only pass they are read for their errors
/// and not kept.
pub(super) fn lin_product(segment: &Segment<'_>, fields: &mut Fields<'_>) -> Vec<ProductId> {
    let mut ids = Vec::new();
    if let Some(value) = fields.stored(segment, 3, 1) {
        let kind = ProductIdKind::from_edifact(&fields.code(segment, 3, 2).unwrap_or_default());
        if fields.keeps() {
            ids.push(ProductId { kind, value });
        }
    }
    ids
}

/// Additional product ids in PIA (`PIA+1+ABC123:IN+X9:SA`).
/// Not kept on the validation-only pass, like [`lin_product`].
pub(super) fn pia_products(segment: &Segment<'_>, fields: &mut Fields<'_>) -> Vec<ProductId> {
    let mut ids = Vec::new();
    // An element the segment does not have holds no id (and no error).
    for n in 2..=fields.element_count(segment).min(6) {
        if let Some(value) = fields.stored(segment, n, 1) {
            let kind = ProductIdKind::from_edifact(&fields.code(segment, n, 2).unwrap_or_default());
            if fields.keeps() {
                ids.push(ProductId { kind, value });
            }
        }
    }
    ids
}

/// The qualifier of the first composite (`DTM+137:…`, `QTY+21:…`, `RFF+ON:…`, `MOA+77:…`).
pub(super) fn qualifier<'a>(segment: &Segment<'a>) -> &'a [u8] {
    segment.qualifier()
}

/// `DTM+{qualifier}:{value}:{format}`: the date, for formats 102 (CCYYMMDD), 203 and 204.
pub(super) fn dtm_date(segment: &Segment<'_>, fields: &mut Fields<'_>) -> Option<EdiDate> {
    fields.date(segment, 1, 2)
}

/// The time part of a `DTM` in format 203 (CCYYMMDDHHMM).
pub(super) fn dtm_time(segment: &Segment<'_>, fields: &mut Fields<'_>) -> Option<EdiTime> {
    let text = fields.text(segment, 1, 2)?;
    text.get(8..12).and_then(EdiTime::parse_hhmm)
}
