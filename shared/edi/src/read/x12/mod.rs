//! X12 readers: 850, 855, 856, 810, 997/999, 214, 860, 865.

mod acks;
mod billing;
mod changes;
mod orders;
mod shipping;

pub(crate) use acks::read_functional_ack;
pub(crate) use billing::read_invoice;
pub(crate) use changes::{read_order_change, read_order_change_ack};
pub(crate) use orders::{read_order_ack, read_purchase_order};
pub(crate) use shipping::{read_ship_notice, read_shipment_status};

use crate::model::{
    Address, IdScheme, Party, PartyIdentifier, PartyRole, ProductId, ProductIdKind,
};
use crate::token::{Segment, tag_key, tag_keys};

use super::Fields;

/// Segments partners commonly send that the canonical model does not need.
const IGNORED: [u32; 42] = tag_keys([
    b"REF", b"PER", b"FOB", b"ITD", b"TD1", b"TD3", b"TD4", b"TD5", b"SAC", b"AMT", b"MSG", b"N2",
    b"N9", b"PO4", b"CTT", b"TXI", b"PKG", b"MEA", b"NTE", b"SCH", b"PWK", b"DTM", b"CUR", b"ISS",
    b"PAM", b"CAD", b"SLN", b"PID", b"LX", b"MS2", b"AT8", b"K1", b"G62", b"Q7", b"SPO", b"CD3",
    b"CTX", b"TD2", b"IT3", b"PO3", b"SDQ", b"YNQ",
]);

/// Handles N1/N2/N3/N4; returns false for any other segment.
pub(super) fn party_segment(
    segment: &Segment<'_>,
    parties: &mut Vec<Party>,
    fields: &mut Fields<'_>,
) -> bool {
    match segment.tag() {
        b"N1" => {
            let role = PartyRole::from_x12(&fields.required_code(segment, 1, 0, "N101"));
            let name = fields.stored(segment, 2, 0);
            let id = match (fields.code(segment, 3, 0), fields.stored(segment, 4, 0)) {
                (Some(qualifier), Some(value)) => Some(PartyIdentifier {
                    scheme: IdScheme::from_x12(&qualifier),
                    value,
                }),
                _ => None,
            };
            parties.push(Party {
                role,
                name,
                id,
                address: None,
            });
            true
        }
        b"N3" => {
            if let Some(party) = parties.last_mut() {
                party.address.get_or_insert_with(Address::default).street =
                    fields.stored(segment, 1, 0);
            }
            true
        }
        b"N4" => {
            if let Some(party) = parties.last_mut() {
                let address = party.address.get_or_insert_with(Address::default);
                address.city = fields.stored(segment, 1, 0);
                address.state = fields.stored(segment, 2, 0);
                address.postal_code = fields.stored(segment, 3, 0);
                address.country = fields.stored(segment, 4, 0);
            }
            true
        }
        b"N2" => true,
        _ => false,
    }
}

/// Reads qualifier/id pairs starting at element `first` (PO106/PO107, IT106/IT107, LIN02/LIN03…),
/// from the segment's element index.
pub(super) fn product_ids(
    segment: &Segment<'_>,
    first: usize,
    fields: &mut Fields<'_>,
) -> Vec<ProductId> {
    debug_assert!(first > 0, "elements are numbered from 1");
    let mut ids = Vec::new();
    let count = fields.element_count(segment);
    let mut n = first;
    while n < count {
        let (qualifier, value) = (fields.element(segment, n), fields.element(segment, n + 1));
        if let (Some(qualifier), Some(value)) = (
            fields.decode_code(segment, qualifier, n, 0),
            fields.decode_stored(segment, value, n + 1, 0),
        ) && fields.keeps()
        {
            // Only stored: not kept on the validation-only pass.
            ids.push(ProductId {
                kind: ProductIdKind::from_x12(&qualifier),
                value,
            });
        }
        n += 2;
    }
    ids
}

/// Handles the segments every reader tolerates; notes unknown ones.
pub(super) fn other_segment(segment: &Segment<'_>, fields: &mut Fields<'_>) {
    if !tag_key(segment.tag()).is_some_and(|key| IGNORED.contains(&key)) {
        fields.unknown(segment);
    }
}
