//! `edi_typed`: see docs/fuzzing.md and `gridlink_edi::fuzz_targets::typed_roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_edi::fuzz_targets::typed_roundtrip(data));
