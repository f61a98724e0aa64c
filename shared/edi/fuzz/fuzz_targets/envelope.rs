//! Envelope validation: never panics, every error is positioned inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = gridlink_edi::validate(data);
    for error in report.errors() {
        assert!(error.position().offset <= data.len() as u64, "{error}");
    }
});
