//! Property tests: write → parse → the same canonical value, and the written interchange
//! validates without a single error (counts, padding, control numbers).

mod common_fixtures;
mod strategies;

use gridlink_edi::*;
use proptest::collection::vec;
use proptest::prelude::*;
use strategies::{edifact_document, params, x12_document};

fn assert_round_trip(bytes: &[u8], document: &BusinessDocument, params: &EnvelopeParams) {
    let text = String::from_utf8_lossy(bytes);
    let report = validate(bytes);
    assert!(report.errors().is_empty(), "{:?}\n{text}", report.errors());
    let interchange = parse_interchange(bytes).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(interchange.header.sender, params.sender);
    assert_eq!(interchange.header.test, params.test);
    assert_eq!(interchange.documents.len(), 1, "{text}");
    assert_eq!(&interchange.documents[0], document, "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn x12_write_then_parse_gives_the_same_document(document in x12_document(), params in params()) {
        let bytes = write_x12(&document, &params).unwrap();
        assert_round_trip(&bytes, &document, &params);
    }

    #[test]
    fn edifact_write_then_parse_gives_the_same_document(document in edifact_document(), params in params()) {
        let bytes = write_edifact(&document, &params).unwrap();
        assert_round_trip(&bytes, &document, &params);
    }

    #[test]
    fn a_batch_keeps_every_document_in_order(documents in vec(x12_document(), 1..6), params in params()) {
        let bytes = write_x12_batch(&documents, &params).unwrap();
        let interchange = parse_interchange(&bytes).unwrap();
        prop_assert!(validate(&bytes).errors().is_empty());
        prop_assert_eq!(interchange.documents, documents);
    }
}

#[test]
fn x12_refuses_a_value_containing_a_delimiter() {
    let mut params = common_fixtures::prepared_at();
    params = params.replace_hour(9).unwrap();
    let envelope = EnvelopeParams {
        sender: PartyId::new("ZZ", "BUYERCO"),
        receiver: PartyId::new("ZZ", "ACMESUPPLY"),
        interchange_control_number: 1,
        group_control_number: 1,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: params,
        test: false,
    };
    let document = BusinessDocument::ShipmentStatus(ShipmentStatus {
        shipment_id: Some("A*B".to_owned()),
        pro_number: None,
        carrier_scac: None,
        bill_of_lading: None,
        po_numbers: Vec::new(),
        estimated_delivery: None,
        events: Vec::new(),
    });
    assert!(matches!(
        write_x12(&document, &envelope),
        Err(WriteError::DelimiterInValue { delimiter: '*', .. })
    ));
    let long = EnvelopeParams {
        sender: PartyId::new("ZZ", "A-PARTNER-ID-LONGER-THAN-15"),
        ..envelope
    };
    assert!(matches!(
        write_x12(&document, &long),
        Err(WriteError::TooLong { field: "ISA06", .. })
    ));
}
