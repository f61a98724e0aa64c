//! The `edi` crate (0.4) at its level: `edi::parse` builds the X12 tree (ISA/GS/ST…SE/GE/IEA
//! with its closing-segment checks) and every element of every segment is touched.
//! Part of scripts/bench-edi.sh; built in a throw-away project outside the workspace.

fn main() {
    let path = std::env::args().nth(1).expect("usage: edi-x12 FILE");
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let document = edi::parse(&text).expect("edi::parse accepts the file");
    let (mut segments, mut elements, mut bytes) = (0u64, 0u64, 0u64);
    for interchange in &document.interchanges {
        for group in &interchange.functional_groups {
            for transaction in &group.transactions {
                for segment in &transaction.segments {
                    segments += 1;
                    for element in &segment.elements {
                        elements += 1;
                        bytes += element.len() as u64;
                    }
                }
            }
        }
    }
    println!("segments={segments} elements={elements} element_bytes={bytes}");
}
