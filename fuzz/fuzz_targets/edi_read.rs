//! `edi_read`: see docs/fuzzing.md and `gridlink_edi::fuzz_targets::read_and_validate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_edi::fuzz_targets::read_and_validate(data));
