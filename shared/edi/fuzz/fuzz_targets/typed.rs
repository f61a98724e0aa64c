//! Typed parsers: whatever parses is written back in its syntax and parses again.
#![no_main]

use gridlink_edi::{EnvelopeParams, PartyId, Syntax};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(interchanges) = gridlink_edi::parse_interchanges(data) else {
        return;
    };
    let params = EnvelopeParams {
        sender: PartyId::new("ZZ", "FUZZ"),
        receiver: PartyId::new("ZZ", "TARGET"),
        interchange_control_number: 1,
        group_control_number: 1,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: time::macros::datetime!(2024-01-01 00:00),
        test: true,
    };
    for interchange in interchanges {
        for document in &interchange.documents {
            let written = match interchange.header.syntax {
                Syntax::X12 => gridlink_edi::write_x12(document, &params),
                Syntax::Edifact => gridlink_edi::write_edifact(document, &params),
            };
            if let Ok(bytes) = written {
                let _ = gridlink_edi::parse_interchanges(&bytes);
            }
        }
    }
});
