//! Both tokenisers: delimiters from ISA or UNA, then every element, component and repetition.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(segments) = gridlink_edi::token::Segments::new(data) {
        for segment in segments.flatten() {
            for element in segment.elements() {
                let _ = element.text();
                for component in element.components() {
                    let _ = component.text();
                }
                let _ = element.repetitions().count();
            }
        }
    }
});
