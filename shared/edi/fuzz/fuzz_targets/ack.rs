//! Acknowledgments for any input: when one can be addressed, it parses back.
#![no_main]

use gridlink_edi::{AckKind, AckOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = gridlink_edi::validate(data);
    for kind in [AckKind::Ack997, AckKind::Ack999, AckKind::Contrl] {
        let options = AckOptions { kind, control_number: 1, sender: None, prepared_at: time::macros::datetime!(2024-01-01 00:00) };
        if let Ok(ack) = gridlink_edi::ack_for(&report, &options) {
            let _ = gridlink_edi::parse_interchanges(&ack);
        }
    }
});
