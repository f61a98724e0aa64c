//! Real-world-shaped fixtures of all six kinds, in both syntaxes, read into the canonical model.

mod common_fixtures;

use common_fixtures::{PAIRS, fixture};
use gridlink_edi::{
    AckKind, AckStatus, BusinessDocument, IdScheme, LineStatus, PartyRole, ProductIdKind, Syntax,
    detect, parse_interchange,
};
use rust_decimal::Decimal;

fn only_document(name: &str) -> BusinessDocument {
    let interchange = parse_interchange(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(interchange.documents.len(), 1, "{name}");
    assert!(
        interchange.notes.is_empty(),
        "{name}: {:?}",
        interchange.notes
    );
    interchange
        .documents
        .into_iter()
        .next()
        .expect("test data is valid")
}

#[test]
fn every_fixture_is_detected_in_its_syntax() {
    for (_, x12, edifact) in PAIRS {
        assert_eq!(detect(&fixture(x12)), Some(Syntax::X12), "{x12}");
        assert_eq!(
            detect(&fixture(edifact)),
            Some(Syntax::Edifact),
            "{edifact}"
        );
    }
    assert_eq!(detect(b"\xEF\xBB\xBF\r\nISA*00"), Some(Syntax::X12));
    assert_eq!(detect(b"hello"), None);
}

#[test]
fn both_syntaxes_of_each_kind_read_into_the_same_canonical_type() {
    for (kind, x12, edifact) in PAIRS {
        assert_eq!(only_document(x12).kind(), kind, "{x12}");
        assert_eq!(only_document(edifact).kind(), kind, "{edifact}");
    }
}

#[test]
fn orders_acks_ship_notices_and_invoices_are_equal_across_syntaxes() {
    for (kind, x12, edifact) in &PAIRS[..4] {
        assert_eq!(
            only_document(x12),
            only_document(edifact),
            "{kind}: {x12} vs {edifact}"
        );
    }
}

#[test]
fn business_keys_agree_across_syntaxes_for_every_kind() {
    for (kind, x12, edifact) in PAIRS {
        assert_eq!(
            only_document(x12).business_keys(),
            only_document(edifact).business_keys(),
            "{kind}"
        );
    }
}

#[test]
fn the_envelope_names_both_partners_with_their_qualifiers() {
    let interchange = parse_interchange(&fixture("x12/850_purchase_order.x12")).unwrap();
    assert_eq!(interchange.header.sender.to_string(), "ZZ:BUYERCO");
    assert_eq!(interchange.header.receiver.to_string(), "ZZ:ACMESUPPLY");
    assert_eq!(interchange.header.control_number, "000000101");
    assert_eq!(interchange.header.version, "00401");
    assert_eq!(interchange.groups[0].version, "004010");
    assert_eq!(interchange.transactions[0].set_id, "850");
    let edifact = parse_interchange(&fixture("edifact/orders_purchase_order.edi")).unwrap();
    assert_eq!(edifact.header.sender.to_string(), "ZZZ:BUYERCO");
    assert_eq!(edifact.header.version, "UNOC:3");
    assert_eq!(
        edifact.transactions[0].version.as_deref(),
        Some("D:96A:UN:EAN008")
    );
}

#[test]
fn a_purchase_order_carries_lines_prices_parties_and_dates() {
    let BusinessDocument::PurchaseOrder(po) = only_document("x12/850_purchase_order.x12") else {
        panic!()
    };
    assert_eq!(po.po_number, "PO-2024-0042");
    assert_eq!(po.po_date.unwrap().to_string(), "2024-01-15");
    assert_eq!(po.requested_delivery.unwrap().to_string(), "2024-02-01");
    assert_eq!(po.currency.as_deref(), Some("USD"));
    assert_eq!(po.lines.len(), 2);
    assert_eq!(po.lines[1].quantity.value, Decimal::from(6));
    assert_eq!(po.lines[1].quantity.unit, "CA");
    assert_eq!(po.lines[1].unit_price, Some(Decimal::new(4125, 2)));
    assert_eq!(po.lines[0].product_ids[0].kind, ProductIdKind::Gtin);
    assert_eq!(po.lines[0].product_ids[1].kind, ProductIdKind::VendorItem);
    assert_eq!(
        po.lines[0].description.as_deref(),
        Some("WIDGET, BLUE, 10 CM")
    );
    let buyer = &po.parties[0];
    assert_eq!(buyer.role, PartyRole::Buyer);
    assert_eq!(buyer.id.as_ref().unwrap().scheme, IdScheme::Gln);
    assert_eq!(
        buyer.address.as_ref().unwrap().city.as_deref(),
        Some("CHICAGO")
    );
}

#[test]
fn an_order_ack_maps_line_statuses_from_ack01_and_from_lin_actions() {
    for name in ["x12/855_order_ack.x12", "edifact/ordrsp_order_ack.edi"] {
        let BusinessDocument::OrderAcknowledgment(ack) = only_document(name) else {
            panic!()
        };
        let statuses: Vec<_> = ack.lines.iter().map(|l| l.status.clone()).collect();
        assert_eq!(
            statuses,
            [
                LineStatus::Accepted,
                LineStatus::Backordered,
                LineStatus::Rejected
            ],
            "{name}"
        );
        assert_eq!(
            ack.lines[1].status_quantity.as_ref().unwrap().value,
            Decimal::from(4)
        );
        assert_eq!(ack.seller_order_number.as_deref(), Some("SO-88121"));
    }
}

#[test]
fn a_ship_notice_keeps_the_order_pack_item_hierarchy_with_sscc() {
    let BusinessDocument::ShipNotice(asn) = only_document("x12/856_ship_notice.x12") else {
        panic!()
    };
    assert_eq!(asn.shipment_id, "SHP-77001");
    assert_eq!(asn.bill_of_lading.as_deref(), Some("BOL-4455001"));
    assert_eq!(asn.pro_number.as_deref(), Some("PRO-99120034"));
    assert_eq!(asn.carrier_scac.as_deref(), Some("ACMF"));
    assert_eq!(asn.orders.len(), 2);
    assert_eq!(asn.orders[0].packs.len(), 2);
    let sscc = asn.orders[0].packs[0].sscc.as_deref().unwrap();
    assert_eq!(sscc.len(), 18);
    assert!(gridlink_edi::sscc_is_valid(sscc));
    assert_eq!(asn.orders[1].po_number, "PO-2024-0043");
    assert_eq!(
        asn.orders[1].packs[0].items[0].quantity.value,
        Decimal::from(10)
    );
}

#[test]
fn an_invoice_reads_tds_implied_decimals_and_totals() {
    let BusinessDocument::Invoice(invoice) = only_document("x12/810_invoice.x12") else {
        panic!()
    };
    assert_eq!(invoice.total_amount, Decimal::new(17982, 2));
    assert_eq!(invoice.tax_amount, Some(Decimal::new(1332, 2)));
    assert_eq!(invoice.line_total(), Decimal::new(16650, 2));
    assert_eq!(invoice.po_number.as_deref(), Some("PO-2024-0042"));
    assert_eq!(invoice.parties[2].role, PartyRole::RemitTo);
}

#[test]
fn functional_acks_read_group_and_set_statuses_with_errors() {
    let BusinessDocument::FunctionalAck(ack) = only_document("x12/997_rejected.x12") else {
        panic!()
    };
    assert_eq!(ack.kind, AckKind::Ack997);
    let group = &ack.groups[0];
    assert_eq!(group.status, AckStatus::Rejected);
    let set = &group.transactions[0];
    assert_eq!(set.status, AckStatus::Rejected);
    assert_eq!(set.segment_errors.len(), 2);
    assert_eq!(set.segment_errors[0].segment_id.as_deref(), Some("PO1"));
    assert_eq!(set.segment_errors[0].element_errors[0].code, "6");
    let BusinessDocument::FunctionalAck(ack) = only_document("x12/999_implementation_ack.x12")
    else {
        panic!()
    };
    assert_eq!(ack.kind, AckKind::Ack999);
    assert_eq!(
        ack.groups[0].transactions[0].status,
        AckStatus::AcceptedWithErrors
    );
    let BusinessDocument::FunctionalAck(ack) = only_document("edifact/contrl_rejected.edi") else {
        panic!()
    };
    assert_eq!(ack.kind, AckKind::Contrl);
    assert_eq!(ack.interchange.as_ref().unwrap().control_number, "102");
    assert_eq!(ack.messages[0].status, AckStatus::Rejected);
    assert_eq!(
        ack.messages[0].segment_errors[1].element_errors[0].component,
        Some(2)
    );
}

#[test]
fn shipment_status_events_keep_codes_dates_and_places() {
    let BusinessDocument::ShipmentStatus(status) = only_document("x12/214_shipment_status.x12")
    else {
        panic!()
    };
    assert_eq!(status.events.len(), 3);
    assert_eq!(status.events[2].status, "SD");
    assert_eq!(status.events[2].reason.as_deref(), Some("AO"));
    assert_eq!(status.events[2].city.as_deref(), Some("SPRINGFIELD"));
    let BusinessDocument::ShipmentStatus(status) =
        only_document("edifact/iftsta_shipment_status.edi")
    else {
        panic!()
    };
    assert_eq!(status.events[0].time.unwrap().to_hhmm(), "0930");
    assert_eq!(status.events[2].reason.as_deref(), Some("AO"));
}

#[test]
fn a_shipment_status_carries_the_estimated_delivery_date_in_both_syntaxes() {
    let x12 = String::from_utf8(fixture("x12/214_shipment_status.x12"))
        .unwrap()
        .replace("LX*1~", "G62*17*20240126~\nLX*1~")
        .replace("SE*15*0001", "SE*16*0001");
    let edifact = String::from_utf8(fixture("edifact/iftsta_shipment_status.edi"))
        .unwrap()
        .replace(
            "BGM+23+SHP-77001+9'",
            "BGM+23+SHP-77001+9'\nDTM+17:20240126:102'",
        )
        .replace("UNT+19+1", "UNT+20+1");
    for (name, bytes) in [("214", x12), ("IFTSTA", edifact)] {
        let interchange =
            parse_interchange(bytes.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            interchange.notes.is_empty(),
            "{name}: {:?}",
            interchange.notes
        );
        let BusinessDocument::ShipmentStatus(status) = &interchange.documents[0] else {
            panic!("{name}: not a shipment status")
        };
        assert_eq!(
            status
                .estimated_delivery
                .map(gridlink_edi::EdiDate::to_ccyymmdd)
                .as_deref(),
            Some("20240126"),
            "{name}"
        );
        assert_eq!(status.events.len(), 3, "{name}: the date is not an event");
    }
    let BusinessDocument::ShipmentStatus(plain) = only_document("x12/214_shipment_status.x12")
    else {
        panic!()
    };
    assert_eq!(plain.estimated_delivery, None);
}

#[test]
fn the_edifact_release_character_escapes_a_separator() {
    let bytes = fixture("edifact/orders_purchase_order.edi");
    let segments = gridlink_edi::token::Segments::new(&bytes).unwrap();
    let ftx = segments.map(Result::unwrap).find(|s| s.is(b"FTX")).unwrap();
    assert_eq!(ftx.element(4).text().unwrap(), "DELIVER TO DOCK 4 + GATE B");
}

#[test]
fn documents_serialise_to_json_and_back() {
    for (_, x12, edifact) in PAIRS {
        for name in [x12, edifact] {
            let document = only_document(name);
            let json = serde_json::to_string(&document).unwrap();
            let back: BusinessDocument = serde_json::from_str(&json).unwrap();
            assert_eq!(back, document, "{name}");
        }
    }
}
