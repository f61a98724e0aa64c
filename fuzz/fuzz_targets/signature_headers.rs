//! `signature_headers`: see docs/fuzzing.md and `gridlink_flow::fuzz_targets::signature_headers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_flow::fuzz_targets::signature_headers(data));
