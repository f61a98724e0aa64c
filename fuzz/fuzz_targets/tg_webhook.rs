//! `tg_webhook`: see docs/fuzzing.md and `gridlink_flow::fuzz_targets::tg_webhook_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridlink_flow::fuzz_targets::tg_webhook_body(data));
