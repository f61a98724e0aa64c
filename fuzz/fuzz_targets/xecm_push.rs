//! `xecm_push`: see docs/fuzzing.md and `gridlink_flow::fuzz_targets::xecm_push_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_flow::fuzz_targets::xecm_push_body(data));
