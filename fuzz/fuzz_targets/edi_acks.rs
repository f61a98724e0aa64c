//! `edi_acks`: see docs/fuzzing.md and `gridlink_edi::fuzz_targets::acknowledgments`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_edi::fuzz_targets::acknowledgments(data));
