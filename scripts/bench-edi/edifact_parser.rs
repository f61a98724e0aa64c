//! The `edifact-parser` crate (0.38) at its level: `EdifactStreamParser::parse` splits every
//! segment into elements and components and hands it to a handler, which touches every
//! component and checks each UNT's segment count.
//! Part of scripts/bench-edi.sh; built in a throw-away project outside the workspace.

use edifact_parser::{EdifactHandler, EdifactStreamParser, ParseError};
use edifact_primitives::{Control, RawSegment};

#[derive(Default)]
struct Counter {
    segments: u64,
    components: u64,
    bytes: u64,
    messages: u64,
    in_message: u64,
    count_errors: u64,
}

impl EdifactHandler for Counter {
    fn on_message_start(&mut self, _unh: &RawSegment) -> Control {
        self.messages += 1;
        self.in_message = 0;
        Control::Continue
    }

    fn on_segment(&mut self, segment: &RawSegment) -> Control {
        self.segments += 1;
        self.in_message += 1;
        for element in &segment.elements {
            for component in element {
                self.components += 1;
                self.bytes += component.len() as u64;
            }
        }
        Control::Continue
    }

    fn on_message_end(&mut self, unt: &RawSegment) {
        // Called before on_segment for the UNT itself.
        if unt.get_element(0).parse::<u64>().ok() != Some(self.in_message + 1) {
            self.count_errors += 1;
        }
    }

    fn on_error(&mut self, error: ParseError) -> Control {
        eprintln!("{error}");
        Control::Continue
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: edifact-parser FILE");
    let bytes = std::fs::read(&path).expect("a readable file");
    let mut counter = Counter::default();
    EdifactStreamParser::parse(&bytes, &mut counter).expect("edifact-parser accepts the file");
    println!(
        "segments={} messages={} components={} component_bytes={} count_errors={}",
        counter.segments, counter.messages, counter.components, counter.bytes, counter.count_errors
    );
}
