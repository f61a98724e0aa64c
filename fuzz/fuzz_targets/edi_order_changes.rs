//! `edi_order_changes`: see docs/fuzzing.md and `gridlink_edi::fuzz_targets::order_changes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_edi::fuzz_targets::order_changes(data));
