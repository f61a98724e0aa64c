//! The floor of a validating tokeniser: the least a program must do to reach the peers' level
//! (every segment split into its elements and components, each message's segment count checked
//! against its trailer), written as one plain pass and nothing else — no error positions, no
//! control numbers, no character checks, no release character, no envelope other than the
//! message header and trailer. It reads the file in 1 MiB chunks (as `gridlink-edi check` streams
//! it), scans each byte once through a 256-entry class table, writes the end of every element and
//! component into a reused vector (what an index for later field reads needs) and checks each
//! tag's shape. Part of scripts/bench-edi.sh: it tells what any validating tokeniser costs on this
//! machine, so that `check`'s figure can be read against it; it is not a parser to use.
//!
//! `--blocks` does the same work — the same segments, element and component ends, tags and
//! counts, the same output — but finds the separators 64 bytes at a time: each block is compared
//! with the three separators into three 64-bit masks (plain loops the compiler turns into vector
//! compares, no `unsafe`, no crate), and only the set bits are visited. It is the floor for a
//! tokenising layer built that way (issue 19's "vectorised scanning"): how far below the byte loop
//! a structural pass can go on this machine.
//!
//! Usage: tokenise-floor [--blocks] FILE — the separators from the file's ISA (X12) or UNA
//! (EDIFACT; the defaults `'`, `+`, `:` without one).

use std::io::Read;

const OTHER: u8 = 0;
const ELEMENT: u8 = 1;
const COMPONENT: u8 = 2;
const TERMINATOR: u8 = 3;

struct Floor {
    class: [u8; 256],
    terminator: u8,
    component: u8,
    header: &'static [u8],
    trailer: &'static [u8],
    element: u8,
    /// Element and component ends of the segment being read, as offsets in the buffer.
    ends: Vec<u32>,
    segments: u64,
    parts: u64,
    messages: u64,
    in_message: u64,
    bad_tags: u64,
    count_errors: u64,
}

impl Floor {
    /// Reads every whole segment of `data`; returns where the unfinished one starts.
    fn segments(&mut self, data: &[u8]) -> usize {
        let mut i = 0;
        loop {
            while i < data.len() && matches!(data[i], b'\r' | b'\n') {
                i += 1;
            }
            let start = i;
            self.ends.clear();
            let mut end = None;
            while i < data.len() {
                let class = self.class[usize::from(data[i])];
                if class != OTHER {
                    if class == TERMINATOR {
                        end = Some(i);
                        break;
                    }
                    self.ends.push(narrow(i));
                }
                i += 1;
            }
            let Some(end) = end else {
                return start;
            };
            self.segment(data, start, end);
            i = end + 1;
        }
    }

    /// [`Floor::segments`], the separators found a 64-byte block at a time. A segment's CR/LF
    /// before its tag are skipped in [`Floor::segment`] (the byte loop skips them before it).
    fn segments_by_blocks(&mut self, data: &[u8]) -> usize {
        let mut start = 0;
        self.ends.clear();
        let mut blocks = data.chunks_exact(64);
        let mut at = 0;
        for block in blocks.by_ref() {
            let block: &[u8; 64] = block.try_into().expect("64 bytes");
            let ends = mask(block, self.terminator);
            let mut hits = ends | mask(block, self.element) | mask(block, self.component);
            while hits != 0 {
                let k = hits.trailing_zeros();
                let i = at + k as usize;
                if ends & (1 << k) != 0 {
                    self.segment(data, start, i);
                    self.ends.clear();
                    start = i + 1;
                } else {
                    self.ends.push(narrow(i));
                }
                hits &= hits - 1;
            }
            at += 64;
        }
        for (k, &b) in blocks.remainder().iter().enumerate() {
            let i = at + k;
            match self.class[usize::from(b)] {
                TERMINATOR => {
                    self.segment(data, start, i);
                    self.ends.clear();
                    start = i + 1;
                }
                OTHER => {}
                _ => self.ends.push(narrow(i)),
            }
        }
        while start < data.len() && matches!(data[start], b'\r' | b'\n') {
            start += 1;
        }
        start
    }

    /// The segment at `start..end` of `data` whose separators are in `ends`.
    fn segment(&mut self, data: &[u8], mut start: usize, end: usize) {
        while start < end && matches!(data[start], b'\r' | b'\n') {
            start += 1;
        }
        let raw = &data[start..end];
        self.segments += 1;
        self.parts += self.ends.len() as u64 + 1;
        let tag_len = raw
            .iter()
            .position(|&b| b == self.element)
            .unwrap_or(raw.len());
        let tag = &raw[..tag_len];
        // UNA (EDIFACT's service string advice) has no element separator after its tag.
        if raw.starts_with(b"UNA") {
            return;
        }
        if !(2..=3).contains(&tag.len())
            || !tag
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            self.bad_tags += 1;
        }
        if tag == self.header {
            self.messages += 1;
            self.in_message = 1;
        } else if tag == self.trailer {
            self.in_message += 1;
            // The trailer's first element: the message's segment count.
            let count_end = self.ends.get(1).map_or(raw.len(), |&e| e as usize - start);
            let count = raw
                .get(tag_len + 1..count_end)
                .and_then(|text| std::str::from_utf8(text).ok())
                .and_then(|text| text.parse::<u64>().ok());
            if count != Some(self.in_message) {
                self.count_errors += 1;
            }
            self.in_message = 0;
        } else if self.in_message > 0 {
            self.in_message += 1;
        }
    }
}

/// The bytes of `block` equal to `byte`, one bit each (bit k for byte k): compared into a byte
/// array, then eight bytes of 0/1 at a time gathered into eight bits by one multiplication.
#[inline]
fn mask(block: &[u8; 64], byte: u8) -> u64 {
    let mut equal = [0u8; 64];
    for (e, &b) in equal.iter_mut().zip(block) {
        *e = u8::from(b == byte);
    }
    let mut bits = 0;
    for (j, eight) in equal.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        bits |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * j);
    }
    bits
}

fn narrow(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The separators (terminator, element, component) and the message header and trailer tags of
/// the interchange that starts `head`.
fn syntax(head: &[u8]) -> (u8, u8, u8, &'static [u8], &'static [u8]) {
    match head {
        [b'I', b'S', b'A', ..] if head.len() > 105 => (head[105], head[3], head[104], b"ST", b"SE"),
        [
            b'U',
            b'N',
            b'A',
            component,
            element,
            _,
            _,
            _,
            terminator,
            ..,
        ] => (*terminator, *element, *component, b"UNH", b"UNT"),
        _ => (b'\'', b'+', b':', b"UNH", b"UNT"),
    }
}

fn main() {
    let usage = "usage: tokenise-floor [--blocks] FILE";
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let blocks = args.first().is_some_and(|a| a == "--blocks");
    if blocks {
        args.remove(0);
    }
    let path = args.first().expect(usage).clone();
    let mut file = std::fs::File::open(&path).expect("a readable file");
    let mut buffer = vec![0u8; 1 << 20];
    let mut filled = 0;
    while filled < 106 {
        let n = file.read(&mut buffer[filled..]).expect("read");
        if n == 0 {
            break;
        }
        filled += n;
    }
    let (terminator, element, component, header, trailer) = syntax(&buffer[..filled]);
    let mut class = [OTHER; 256];
    class[usize::from(element)] = ELEMENT;
    class[usize::from(component)] = COMPONENT;
    class[usize::from(terminator)] = TERMINATOR;
    let mut floor = Floor {
        class,
        terminator,
        component,
        header,
        trailer,
        element,
        ends: Vec::with_capacity(256),
        segments: 0,
        parts: 0,
        messages: 0,
        in_message: 0,
        bad_tags: 0,
        count_errors: 0,
    };
    loop {
        let rest = if blocks {
            floor.segments_by_blocks(&buffer[..filled])
        } else {
            floor.segments(&buffer[..filled])
        };
        buffer.copy_within(rest..filled, 0);
        filled -= rest;
        if filled == buffer.len() {
            buffer.resize(buffer.len() * 2, 0);
        }
        let n = file.read(&mut buffer[filled..]).expect("read");
        if n == 0 {
            break;
        }
        filled += n;
    }
    println!(
        "segments={} messages={} parts={} bad_tags={} count_errors={} unterminated_bytes={filled}",
        floor.segments, floor.messages, floor.parts, floor.bad_tags, floor.count_errors
    );
}
