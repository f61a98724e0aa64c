//! The envelope walker: one pass over the segments that checks ISA/GS/ST…SE/GE/IEA and
//! UNB/UNG/UNH…UNT/UNE/UNZ and hands out one transaction at a time.
//!
//! The walker owns no input. [`Walker::step`] is given a window of the input (all of it for a
//! slice, a buffer for a stream) and returns one [`Event`], or asks for more bytes while telling
//! the caller which byte it must keep (the start of the open transaction). That is what lets a
//! 2 GiB file be read in bounded memory and a slice be read without copying.

mod edifact;
mod inspect;
mod levels;
mod x12;

pub(crate) use edifact::{indexed_message_version_warning, message_version_warning};
pub(crate) use inspect::{indexed_length_warnings, length_warnings};

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use memchr::memmem;

use crate::charset::{Repertoire, clean_prefix};
use crate::envelope::{GroupHeader, InterchangeHeader, TransactionHeader};
use crate::error::{EdiError, Level, Position, Tag};
use crate::syntax::{Delimiters, Syntax};
use crate::token::x12::{Binary, binary_extent};
use crate::token::{self, Element, Scanned, Segment, Shape};

/// How far ahead the walker checks the character set in one go.
const CLEAN_BLOCK: usize = 64 << 10;

/// Size limits that keep memory bounded whatever a file declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest segment accepted (default 1 MiB).
    pub max_segment: usize,
    /// Largest transaction set or message kept whole for typed parsing (default 64 MiB).
    pub max_transaction: usize,
    /// Control numbers remembered per container to detect duplicates (default 100 000).
    pub max_tracked_control_numbers: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_segment: token::DEFAULT_MAX_SEGMENT,
            max_transaction: 64 << 20,
            max_tracked_control_numbers: 100_000,
        }
    }
}

/// Where one segment of a transaction sits in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub offset: u64,
    pub len: u32,
    pub number: u64,
    pub in_message: u32,
    pub shape: Shape,
}

/// One complete transaction set or message, as spans over the input.
#[derive(Debug, Clone)]
pub(crate) struct TransactionUnit {
    pub syntax: Syntax,
    pub delimiters: Delimiters,
    pub header: TransactionHeader,
    pub spans: Vec<Span>,
    /// Segments counted, including those not kept in `spans`.
    pub segment_count: u64,
    pub errors: Vec<EdiError>,
    /// True when the transaction was too large and its segments were not kept.
    pub overflowed: bool,
}

thread_local! {
    /// The span vector of the last transaction dropped, emptied, for the next one to fill: one
    /// allocation for all transactions of a stream, not one each.
    static SPARE_SPANS: Cell<Vec<Span>> = const { Cell::new(Vec::new()) };
}

/// The most spans a spare vector keeps room for (as many as [`Walker`] reserves at most): an
/// unusually large transaction's vector is freed.
const SPARE_SPANS_MAX: usize = 4096;

/// An empty span vector with room for `capacity` spans: the spare one when there is one.
pub(crate) fn spans_with_capacity(capacity: usize) -> Vec<Span> {
    let mut spans = SPARE_SPANS.try_with(Cell::take).unwrap_or_default();
    spans.reserve(capacity);
    spans
}

impl Drop for TransactionUnit {
    fn drop(&mut self) {
        if self.spans.capacity() <= SPARE_SPANS_MAX {
            let mut spans = std::mem::take(&mut self.spans);
            spans.clear();
            // Not kept while the thread ends.
            let _ = SPARE_SPANS.try_with(|spare| spare.set(spans));
        }
    }
}

impl TransactionUnit {
    /// The transaction's segments, given the window `data` that starts at absolute offset `base`.
    pub fn segments<'d>(&self, data: &'d [u8], base: u64) -> impl Iterator<Item = Segment<'d>> {
        self.spans
            .iter()
            .filter_map(move |span| self.segment(span, data, base))
    }

    /// [`TransactionUnit::segments`] appended to `out` (one reservation, a plain loop), each
    /// segment with the transaction's text ([`Segment::with_text`]) when the bytes from the
    /// first segment to the last are UTF-8: they are decoded once, not once per element the
    /// reader asks for.
    pub fn segments_into<'d>(&self, data: &'d [u8], base: u64, out: &mut Vec<Segment<'d>>) {
        out.reserve(self.spans.len());
        let text = self.text(data, base);
        for span in &self.spans {
            if let Some(segment) = self.segment(span, data, base) {
                out.push(segment.with_text(text));
            }
        }
    }

    /// The bytes from the transaction's first segment to the end of its last (0 without
    /// segments).
    pub fn byte_len(&self) -> u64 {
        match (self.spans.first(), self.spans.last()) {
            (Some(first), Some(last)) => {
                (last.offset + u64::from(last.len)).saturating_sub(first.offset)
            }
            _ => 0,
        }
    }

    /// The bytes from the transaction's first segment to the end of its last as text; `None`
    /// when they are not UTF-8.
    fn text<'d>(&self, data: &'d [u8], base: u64) -> Option<&'d str> {
        let (first, last) = (self.spans.first()?, self.spans.last()?);
        let start = usize::try_from(first.offset.checked_sub(base)?).ok()?;
        let end = usize::try_from(last.offset.checked_sub(base)?)
            .ok()?
            .checked_add(last.len as usize)?;
        let text = std::str::from_utf8(data.get(start..end)?).ok()?;
        Some(text)
    }

    #[inline]
    fn segment<'d>(&self, span: &Span, data: &'d [u8], base: u64) -> Option<Segment<'d>> {
        let start = usize::try_from(span.offset.checked_sub(base)?).ok()?;
        let end = start.checked_add(span.len as usize)?;
        let raw = data.get(start..end)?;
        Some(Segment::known(
            raw,
            self.delimiters,
            span.shape,
            span.offset,
            span.number,
            span.in_message,
        ))
    }
}

/// What the walker found next.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    InterchangeStart {
        header: InterchangeHeader,
        delimiters: Delimiters,
        errors: Vec<EdiError>,
    },
    GroupStart {
        header: Option<GroupHeader>,
    },
    Transaction(Box<TransactionUnit>),
    GroupEnd {
        errors: Vec<EdiError>,
    },
    InterchangeEnd {
        errors: Vec<EdiError>,
    },
    /// A problem outside any interchange.
    Stray(EdiError),
}

#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "one event per interchange or transaction; boxing buys nothing"
)]
pub(crate) enum Step {
    Event(Event),
    /// Give me more input; keep every byte from `keep_from` on.
    NeedMore {
        keep_from: u64,
    },
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    Outside,
    Interchange,
    Group,
    Transaction,
}

/// The control numbers seen in one container, for the duplicate check. Numbers of 1 to 15
/// digits (nearly all) are kept as integers, their length included so that `0001` and `1`
/// stay distinct, in a set with a multiplicative hash; anything else as text.
#[derive(Debug, Default)]
struct ControlNumbers {
    numeric: HashSet<u64, BuildHasherDefault<NumberHasher>>,
    other: HashSet<String>,
}

impl ControlNumbers {
    fn key(number: &str) -> Option<u64> {
        let digits = number.as_bytes();
        if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
        // Below 10^15 < 2^50: room for the length in the low four bits.
        Some(value << 4 | digits.len() as u64)
    }

    fn contains(&self, number: &str) -> bool {
        match ControlNumbers::key(number) {
            Some(key) => self.numeric.contains(&key),
            None => self.other.contains(number),
        }
    }

    fn len(&self) -> usize {
        self.numeric.len() + self.other.len()
    }

    fn insert(&mut self, number: &str) {
        match ControlNumbers::key(number) {
            Some(key) => self.numeric.insert(key),
            None => self.other.insert(number.to_owned()),
        };
    }
}

/// A hasher for the integer keys of [`ControlNumbers`] (one multiplication, no SipHash).
#[derive(Debug, Default)]
struct NumberHasher(u64);

impl Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // The high half of the product, folded down: the table indexes by the low bits.
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

#[derive(Debug, Default)]
struct InterchangeState {
    control_number: String,
    groups: u64,
    direct_messages: u64,
    errors: Vec<EdiError>,
    group_numbers: ControlNumbers,
}

#[derive(Debug, Default)]
struct GroupState {
    control_number: String,
    implicit: bool,
    sets: u64,
    errors: Vec<EdiError>,
    set_numbers: ControlNumbers,
}

#[derive(Debug)]
struct TransactionState {
    header: TransactionHeader,
    start: u64,
    spans: Vec<Span>,
    count: u64,
    errors: Vec<EdiError>,
    overflowed: bool,
}

/// The envelope state machine.
#[derive(Debug)]
pub(crate) struct Walker {
    pos: u64,
    number: u64,
    limits: Limits,
    depth: Depth,
    syntax: Syntax,
    delimiters: Delimiters,
    repertoire: Repertoire,
    /// Absolute offset up to which the input is known to hold no byte outside the repertoire.
    clean_through: u64,
    /// Absolute end of the segment being handled: when past `clean_through`, its characters are
    /// checked.
    segment_end: u64,
    /// Interchanges opened so far: bytes that start none after one of them are trailing data.
    interchanges_seen: u64,
    interchange: InterchangeState,
    group: GroupState,
    transaction: Option<TransactionState>,
    in_garbage: bool,
    close_all: bool,
    done: bool,
    /// Capacity of the next transaction's span vector: the length of the last one.
    spans_hint: usize,
    /// Absolute offset up to which the input is known to hold no release character (EDIFACT):
    /// a segment that ends before it is found looking for its terminator alone.
    unreleased_through: u64,
}

impl Walker {
    pub fn new(limits: Limits) -> Walker {
        Walker {
            pos: 0,
            number: 0,
            limits,
            depth: Depth::Outside,
            syntax: Syntax::X12,
            delimiters: Delimiters::X12_DEFAULT,
            repertoire: Repertoire::EightBit,
            clean_through: 0,
            segment_end: u64::MAX,
            interchanges_seen: 0,
            interchange: InterchangeState::default(),
            group: GroupState::default(),
            transaction: None,
            in_garbage: false,
            close_all: false,
            done: false,
            spans_hint: 32,
            unreleased_through: 0,
        }
    }

    /// Segments consumed so far.
    pub fn segments_seen(&self) -> u64 {
        self.number
    }

    /// Reads on from the current position in `data`, which starts at absolute offset `base`.
    pub fn step(&mut self, data: &[u8], base: u64, eof: bool) -> Step {
        loop {
            if self.done {
                return Step::End;
            }
            let Some(rel) = self
                .pos
                .checked_sub(base)
                .and_then(|r| usize::try_from(r).ok())
            else {
                self.done = true;
                return Step::End;
            };
            if self.close_all {
                if self.depth == Depth::Outside {
                    self.close_all = false;
                } else {
                    return Step::Event(self.close_innermost(Position::at_offset(self.pos)));
                }
            }
            if self.depth == Depth::Outside {
                match self.outside(data, base, rel, eof) {
                    Some(step) => return step,
                    None => continue,
                }
            }
            let scanned = self.scan(data, base, rel, eof);
            match scanned {
                Scanned::NeedMore => {
                    return Step::NeedMore {
                        keep_from: self.keep_from(),
                    };
                }
                Scanned::End => {
                    let at = Position::at_offset(base + data.len() as u64);
                    self.pos = base + data.len() as u64;
                    return Step::Event(self.close_innermost(at));
                }
                Scanned::Truncated { start } => {
                    let at = Position::at_offset(base + start as u64);
                    self.innermost_errors().push(EdiError::Truncated { at });
                    self.pos = base + data.len() as u64;
                }
                Scanned::TooLong { start } => {
                    let at = Position::at_offset(base + start as u64);
                    let limit = self.limits.max_segment;
                    self.innermost_errors()
                        .push(EdiError::SegmentTooLong { at, limit });
                    // Nothing after a runaway segment can be trusted: look for the next interchange.
                    self.pos = base + start as u64 + 1;
                    self.close_all = true;
                    self.in_garbage = true;
                }
                Scanned::Segment {
                    start,
                    mut end,
                    mut next,
                    released,
                } => {
                    if !released && self.body_segment(data, base, start, end, next) {
                        self.body_run(data, base);
                        continue;
                    }
                    let mut binary = None;
                    if self.syntax == Syntax::X12 && data[start] == b'B' {
                        binary = binary_extent(
                            data,
                            start,
                            end,
                            self.delimiters,
                            eof,
                            self.limits.max_segment,
                        );
                        match binary {
                            Some(Binary::NeedMore) => {
                                return Step::NeedMore {
                                    keep_from: self.keep_from(),
                                };
                            }
                            Some(Binary::Extent {
                                end: data_end,
                                next: after,
                            }) => {
                                end = data_end;
                                next = after;
                            }
                            _ => {}
                        }
                    }
                    let in_message = self
                        .transaction
                        .as_ref()
                        .map_or(0, |t| u32::try_from(t.count + 1).unwrap_or(u32::MAX));
                    // A binary segment's data lies past the scanned end.
                    let released = released || binary.is_some();
                    let segment = if released {
                        Segment::new(
                            &data[start..end],
                            self.delimiters,
                            base + start as u64,
                            self.number + 1,
                            in_message,
                        )
                    } else {
                        Segment::scanned(
                            &data[start..end],
                            self.delimiters,
                            false,
                            base + start as u64,
                            self.number + 1,
                            in_message,
                        )
                    };
                    self.segment_end = base + end as u64;
                    if self.segment_end > self.clean_through {
                        let block_end = data.len().min(start + CLEAN_BLOCK);
                        let clean = clean_prefix(&data[start..block_end], self.repertoire);
                        self.clean_through = base + (start + clean) as u64;
                    }
                    if let Some(error) = binary.and_then(|b| binary_error(b, &segment)) {
                        self.innermost_errors().push(error);
                    }
                    let outcome = match self.syntax {
                        Syntax::X12 => self.x12_segment(&segment),
                        Syntax::Edifact => self.edifact_segment(&segment),
                    };
                    if outcome.consumed {
                        self.number += 1;
                        self.pos = base + next as u64;
                        if let Some(t) = self.transaction.as_mut()
                            && !t.overflowed
                            && self.pos - t.start > self.limits.max_transaction as u64
                        {
                            t.overflowed = true;
                            t.spans = Vec::new();
                            t.errors.push(EdiError::TransactionTooLarge {
                                at: segment.position(),
                                limit: self.limits.max_transaction,
                            });
                        }
                    }
                    if let Some(event) = outcome.event {
                        return Step::Event(event);
                    }
                }
            }
        }
    }
}

impl Walker {
    /// [`token::scan`] from `rel`. With a release character, the input ahead is searched for
    /// one a block at a time (memchr); a segment that ends before the first is found looking for
    /// its terminator alone, which gives what the full scan gives (no release character
    /// precedes the terminator, so the first terminator ends the segment). Anything else is left
    /// to the full scan.
    #[inline]
    fn scan(&mut self, data: &[u8], base: u64, rel: usize, eof: bool) -> Scanned {
        let max_segment = self.limits.max_segment;
        if let Some(release) = self.delimiters.release {
            let at = base + rel as u64;
            if at >= self.unreleased_through && rel < data.len() {
                let block_end = data.len().min(rel + CLEAN_BLOCK);
                let free =
                    memchr::memchr(release, &data[rel..block_end]).unwrap_or(block_end - rel);
                self.unreleased_through = at + free as u64;
            }
            if let Some(free_end) = self
                .unreleased_through
                .checked_sub(base)
                .and_then(|end| usize::try_from(end).ok())
                .filter(|&end| end > rel && end <= data.len())
            {
                let plain = Delimiters {
                    release: None,
                    ..self.delimiters
                };
                let scanned = token::scan(&data[..free_end], rel, plain, false, max_segment);
                if matches!(scanned, Scanned::Segment { .. }) {
                    return scanned;
                }
            }
        }
        token::scan(data, rel, self.delimiters, eof, max_segment)
    }

    /// After a body segment ([`Walker::body_segment`]), the body segments that follow it, each
    /// found as [`Walker::scan`] finds it — the first terminator, CR and LF skipped before the
    /// segment — but in one tight loop: while the input ahead holds no release character (below
    /// `unreleased_through`; X12 has none), and each one taken exactly as
    /// [`Walker::body_segment`] takes it. Stops, having changed nothing for it, at the first
    /// segment that is not such a body segment or that only the full scan can find (a release
    /// character ahead, the end of the window, a segment too long): the general path reads it.
    #[inline]
    fn body_run(&mut self, data: &[u8], base: u64) {
        let max_segment = self.limits.max_segment;
        let terminator = self.delimiters.segment;
        let limit = if self.delimiters.release.is_some() {
            match usize::try_from(self.unreleased_through.saturating_sub(base)) {
                Ok(limit) => limit.min(data.len()),
                Err(_) => return,
            }
        } else {
            data.len()
        };
        loop {
            let Some(mut pos) = self
                .pos
                .checked_sub(base)
                .and_then(|rel| usize::try_from(rel).ok())
            else {
                return;
            };
            let window = &data[..limit];
            while let Some(b'\r' | b'\n') = window.get(pos) {
                pos += 1;
            }
            if pos >= limit {
                return;
            }
            let window_end = limit.min(pos.saturating_add(max_segment).saturating_add(1));
            let Some(k) = token::find(&data[pos..window_end], terminator) else {
                return;
            };
            let mut end = pos + k;
            if terminator == b'\n' && end > pos && data[end - 1] == b'\r' {
                end -= 1;
            }
            if !self.body_segment(data, base, pos, end, pos + k + 1) {
                return;
            }
        }
    }

    /// The common case without building a [`Segment`]: a body segment of an open transaction
    /// (not a trailer, header or envelope segment, not X12 binary), with a well-formed tag, no
    /// release character, in input already found clean, that does not make the transaction too
    /// large. Counts it and keeps its span exactly as [`Walker::push_segment`] would; returns
    /// false, having changed nothing, for any other segment.
    #[expect(
        clippy::inline_always,
        reason = "once per segment, in Walker::body_run's loop; left to itself the compiler calls it"
    )]
    #[inline(always)]
    fn body_segment(
        &mut self,
        data: &[u8],
        base: u64,
        start: usize,
        end: usize,
        next: usize,
    ) -> bool {
        let segment_end = base + end as u64;
        if self.depth != Depth::Transaction || segment_end > self.clean_through {
            return false;
        }
        let Some(t) = self.transaction.as_mut() else {
            return false;
        };
        let raw = &data[start..end];
        // The first element separator, at 2 or 3 (a tag of two or three bytes): anywhere else,
        // the tag is not valid.
        let element = self.delimiters.element;
        let tag_len = match *raw {
            [t0, t1, sep, ..] if sep == element && t0 != element && t1 != element => 2,
            [t0, t1, t2, sep, ..]
                if sep == element && t0 != element && t1 != element && t2 != element =>
            {
                3
            }
            _ => return false,
        };
        let tag = &raw[..tag_len];
        let envelope = match self.syntax {
            // UNA, UNB, UNG, UNH, UNT, UNE, UNZ.
            Syntax::Edifact => tag.first() == Some(&b'U'),
            // BIN and BDS carry binary data; the rest close or open a level.
            Syntax::X12 => {
                tag.first() == Some(&b'B')
                    || matches!(tag, b"SE" | b"ST" | b"GE" | b"GS" | b"IEA" | b"ISA")
            }
        };
        let pos = base + next as u64;
        if envelope
            || t.overflowed
            || !token::is_valid_tag(tag)
            || pos - t.start > self.limits.max_transaction as u64
        {
            return false;
        }
        let in_message = u32::try_from(t.count + 1).unwrap_or(u32::MAX);
        t.count += 1;
        t.spans.push(Span {
            offset: base + start as u64,
            len: u32::try_from(raw.len()).unwrap_or(u32::MAX),
            number: self.number + 1,
            in_message,
            shape: Shape::plain(tag_len),
        });
        self.segment_end = segment_end;
        self.number += 1;
        self.pos = pos;
        true
    }
}

/// What handling one segment did.
pub(super) struct Outcome {
    consumed: bool,
    event: Option<Event>,
}

impl Outcome {
    /// The segment was used and nothing is reported yet.
    fn consumed() -> Outcome {
        Outcome {
            consumed: true,
            event: None,
        }
    }

    /// The segment was used and produced an event.
    fn consumed_with(event: Event) -> Outcome {
        Outcome {
            consumed: true,
            event: Some(event),
        }
    }

    /// The segment belongs to an outer level: report `event` and read it again.
    fn reread_after(event: Event) -> Outcome {
        Outcome {
            consumed: false,
            event: Some(event),
        }
    }
}

impl Walker {
    /// Between interchanges: skips whitespace and a byte-order mark, starts the next
    /// interchange, or resynchronises past garbage. Returns `None` to continue the loop.
    ///
    /// A byte-order mark is recognised only where the slice and the streaming readers both
    /// stand: after whitespace, with three bytes in hand, and never while resynchronising past
    /// garbage (there the slice reader jumps straight to the next `ISA`/`UNA`/`UNB`, while the
    /// streaming reader stops at every buffer boundary on the way).
    fn outside(&mut self, data: &[u8], base: u64, rel: usize, eof: bool) -> Option<Step> {
        let mut i = rel;
        while i < data.len() && data[i].is_ascii_whitespace() {
            i += 1;
        }
        self.pos = base + i as u64;
        if i >= data.len() {
            if eof {
                self.done = true;
                return Some(Step::End);
            }
            return Some(Step::NeedMore {
                keep_from: self.pos,
            });
        }
        if data.len() - i < 3 && !eof {
            return Some(Step::NeedMore {
                keep_from: self.pos,
            });
        }
        let rest = &data[i..];
        if !self.in_garbage && rest.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = base + (i + 3) as u64;
            return Some(Step::Event(Event::Stray(EdiError::ByteOrderMark {
                at: Position::at_offset(base + i as u64),
            })));
        }
        let started = if rest.starts_with(b"ISA") {
            self.start_x12(data, base, i, eof)
        } else if rest.starts_with(b"UNA") || rest.starts_with(b"UNB") {
            self.start_edifact(data, base, i, eof)
        } else {
            Err(EdiError::NotEdi {
                at: Position::at_offset(base + i as u64),
            })
        };
        match started {
            Ok(step) => {
                if matches!(step, Some(Step::Event(_))) {
                    self.in_garbage = false;
                }
                step
            }
            Err(error) => {
                let error = match error {
                    EdiError::NotEdi { at } if self.interchanges_seen > 0 => {
                        EdiError::TrailingData {
                            at,
                            first_byte: data[i],
                        }
                    }
                    other => other,
                };
                let report = !self.in_garbage;
                self.in_garbage = true;
                self.resync(data, base, i + 1, eof);
                if report {
                    Some(Step::Event(Event::Stray(error)))
                } else {
                    None
                }
            }
        }
    }

    /// Moves to the next `ISA`, `UNA` or `UNB` at or after `from`, or to the end.
    fn resync(&mut self, data: &[u8], base: u64, from: usize, eof: bool) {
        let hay = &data[from.min(data.len())..];
        let next = [b"ISA".as_slice(), b"UNA", b"UNB"]
            .iter()
            .filter_map(|marker| memmem::find(hay, marker))
            .min();
        self.pos = match next {
            Some(k) => base + (from + k) as u64,
            None if eof => {
                self.done = true;
                base + data.len() as u64
            }
            None => base + data.len().saturating_sub(2).max(from.min(data.len())) as u64,
        };
    }

    /// The first byte the caller must keep when it refills its buffer.
    fn keep_from(&self) -> u64 {
        match &self.transaction {
            Some(t) if !t.overflowed => t.start,
            _ => self.pos,
        }
    }

    /// The error list of the innermost open level.
    fn innermost_errors(&mut self) -> &mut Vec<EdiError> {
        match self.depth {
            Depth::Transaction => match self.transaction.as_mut() {
                Some(t) => &mut t.errors,
                None => &mut self.group.errors,
            },
            Depth::Group => &mut self.group.errors,
            Depth::Interchange | Depth::Outside => &mut self.interchange.errors,
        }
    }
}

/// The error a binary segment's wrong length makes, positioned at its length element.
fn binary_error(binary: Binary, segment: &Segment<'_>) -> Option<EdiError> {
    match binary {
        Binary::WrongLength {
            element,
            declared,
            found,
        } => Some(EdiError::BinaryLength {
            at: segment.position_of(element, None),
            declared,
            found,
        }),
        Binary::NotANumber { element, value } => Some(EdiError::InvalidNumber {
            at: segment.position_of(element, None),
            value,
        }),
        Binary::Extent { .. } | Binary::NeedMore => None,
    }
}

/// An element's text, lossily decoded and trimmed (for envelope fields).
pub(crate) fn field(segment: &Segment<'_>, element: usize, component: usize) -> String {
    let element = segment.element(element);
    let part = if component == 0 {
        element
    } else {
        element.component(component)
    };
    field_text(part).into_owned()
}

/// The elements of `segment` as text, in order, for a segment without a release character
/// whose elements are UTF-8 and split with an ASCII separator (the common case): element `n`,
/// trimmed ([`trim`]), is what [`field`] gives for `(n, 0)`, found in one pass. `None` for any
/// other segment and for one without elements.
pub(crate) fn plain_elements<'a>(segment: &Segment<'a>) -> Option<impl Iterator<Item = &'a str>> {
    let separator = segment.delimiters().element;
    if segment.is_released() || !separator.is_ascii() {
        return None;
    }
    let rest = segment.raw().get(segment.tag().len() + 1..)?;
    Some(split_ascii(std::str::from_utf8(rest).ok()?, separator))
}

/// `text` split at `separator`, an ASCII byte: what `text.split(char::from(separator))` gives,
/// found byte by byte (a string pattern's search costs more on these few bytes).
pub(crate) fn split_ascii(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let part = rest?;
        // Both sides of an ASCII byte are character boundaries.
        if let Some(i) = part.bytes().position(|b| b == separator) {
            rest = part.get(i + 1..);
            part.get(..i)
        } else {
            rest = None;
            Some(part)
        }
    })
}

/// `text.trim()`, without looking for whitespace when `text` starts and ends with a printable
/// ASCII character (nearly every envelope field).
pub(crate) fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [] => text,
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// The text of an element or component as [`field`] gives it, borrowed when it can be.
pub(crate) fn field_text(part: Element<'_>) -> Cow<'_, str> {
    match part.text() {
        Ok(Cow::Borrowed(text)) => Cow::Borrowed(text.trim()),
        Ok(Cow::Owned(text)) => Cow::Owned(text.trim().to_owned()),
        Err(_) => Cow::Owned(String::from_utf8_lossy(part.raw()).trim().to_owned()),
    }
}

/// Compares a trailer count with what was received.
pub(crate) fn check_count(
    segment: &Segment<'_>,
    element: usize,
    level: Level,
    actual: u64,
    errors: &mut Vec<EdiError>,
) {
    let raw = segment.element(element).raw();
    // The common case, a plain number, is compared without decoding it.
    let plain = !raw.is_empty() && raw.len() <= 19 && raw.iter().all(u8::is_ascii_digit);
    if plain && raw.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0')) == actual {
        return;
    }
    let declared = field(segment, element, 0);
    if declared.parse::<u64>().ok() != Some(actual) {
        errors.push(EdiError::CountMismatch {
            at: segment.position_of(element, None),
            level,
            declared,
            actual,
        });
    }
}

/// Compares a trailer control number with its header's.
pub(crate) fn check_control(
    segment: &Segment<'_>,
    element: usize,
    level: Level,
    header: &str,
    errors: &mut Vec<EdiError>,
) {
    let raw = segment.element(element).raw();
    let release = segment.delimiters().release;
    if raw == header.as_bytes() && release.is_none_or(|r| !raw.contains(&r)) {
        return;
    }
    let trailer = field(segment, element, 0);
    if trailer != header {
        errors.push(EdiError::ControlNumberMismatch {
            at: segment.position_of(element, None),
            level,
            header: header.to_owned(),
            trailer,
        });
    }
}

pub(crate) fn tag_position(offset: u64, number: u64, tag: &[u8]) -> Position {
    Position {
        offset,
        segment: number,
        tag: Some(Tag::new(tag)),
        ..Position::default()
    }
}

#[cfg(test)]
mod tests {
    use super::ControlNumbers;

    #[test]
    fn control_numbers_are_told_apart_as_text_is() {
        let mut seen = ControlNumbers::default();
        for number in [
            "1",
            "0001",
            "000000001",
            "123456789012345",
            "1234567890123456",
            "A1",
            "",
        ] {
            assert!(!seen.contains(number), "{number}");
            seen.insert(number);
            assert!(seen.contains(number), "{number}");
        }
        assert_eq!(seen.len(), 7);
        for other in ["01", "2", "00001", "1234567890123457", "a1", " 1"] {
            assert!(!seen.contains(other), "{other}");
        }
    }

    /// `split_ascii` and `trim` give what `str::split` and `str::trim` give.
    #[test]
    fn splitting_and_trimming_by_bytes_are_the_str_ones() {
        for text in [
            "",
            "+",
            "++",
            "a",
            " a",
            "a ",
            "\u{b}a",
            "a\u{a0}",
            "\u{e9}+b+ c +",
            "+a:b+\u{2003}c\u{2003}+",
            "ab+cd+ef",
        ] {
            assert_eq!(
                super::split_ascii(text, b'+').collect::<Vec<_>>(),
                text.split('+').collect::<Vec<_>>(),
                "{text:?}"
            );
            for part in text.split('+') {
                assert_eq!(super::trim(part), part.trim(), "{part:?}");
            }
        }
    }
}
