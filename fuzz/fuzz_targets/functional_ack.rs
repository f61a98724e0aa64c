//! `functional_ack`: see docs/fuzzing.md and `order_reconcile::fuzz_targets::functional_ack`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| order_reconcile::fuzz_targets::functional_ack(data));
