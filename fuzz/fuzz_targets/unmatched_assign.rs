//! `unmatched_assign`: see docs/fuzzing.md and `gridlink_inbound::fuzz_targets::assign_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_inbound::fuzz_targets::assign_body(data));
