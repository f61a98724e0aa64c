//! Reading interchanges one piece at a time: from a byte slice (zero-copy), from a [`Read`], or
//! from a tokio [`AsyncRead`], in bounded memory.
//!
//! Each call yields one [`Item`]: an interchange or group opening or closing, a complete
//! transaction set / message (its segments borrowed from the buffer), or an error found outside
//! any interchange. The buffer keeps only the open transaction, so memory stays within
//! [`Limits::max_transaction`] plus one read chunk, whatever the size of the file.

use std::cell::{Cell, RefCell};
use std::io::Read;

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::envelope::{GroupHeader, InterchangeHeader, TransactionHeader};
use crate::error::EdiError;
use crate::model::BusinessDocument;
use crate::read::{SegmentIndex, check_document, read_document};
use crate::syntax::{Delimiters, Syntax};
use crate::token::Segment;
use crate::walk::{
    Event, Step, TransactionUnit, Walker, indexed_length_warnings, indexed_message_version_warning,
    length_warnings, message_version_warning,
};

pub use crate::walk::Limits;

/// How many bytes a stream reader asks for at a time.
pub const READ_CHUNK: usize = 1 << 20;

thread_local! {
    /// The element index [`Transaction::check`] splits transactions into, kept from one
    /// transaction to the next so that its vectors grow once, not per transaction.
    static CHECK_INDEX: RefCell<SegmentIndex> = RefCell::new(SegmentIndex::default());
}

thread_local! {
    /// The segment vector [`Transaction::check`] fills, emptied, kept for the next transaction:
    /// one allocation for all transactions of a stream, not one each.
    static SPARE_SEGMENTS: Cell<Vec<Segment<'static>>> = const { Cell::new(Vec::new()) };
}

/// The most segments a spare vector keeps room for: an unusually large transaction's vector
/// is freed.
const SPARE_SEGMENTS_MAX: usize = 4096;

/// An empty segment vector: the spare one when there is one.
fn spare_segments<'a>() -> Vec<Segment<'a>> {
    SPARE_SEGMENTS.try_with(Cell::take).unwrap_or_default()
}

/// Leaves the memory of `segments` for the next transaction ([`spare_segments`]).
fn keep_spare(mut segments: Vec<Segment<'_>>) {
    segments.clear();
    if segments.capacity() > SPARE_SEGMENTS_MAX {
        return;
    }
    // The empty vector as one of segments borrowed from nothing: collected in place (the same
    // element type but for its lifetime), it keeps its memory.
    let spare: Vec<Segment<'static>> = segments
        .into_iter()
        .map(|_| unreachable!("the vector is empty"))
        .collect();
    // Not kept while the thread ends.
    let _ = SPARE_SEGMENTS.try_with(|slot| slot.set(spare));
}

/// The largest transaction (bytes from its first segment to the end of its last) that
/// [`Transaction::check`] indexes whole: its elements and components take up to 16 bytes per
/// byte of a segment made of separators. A larger one is read segment by segment.
const WHOLE_INDEX_MAX: u64 = 1 << 20;

/// One piece of an EDI file.
#[derive(Debug)]
pub enum Item<'a> {
    /// An ISA or UNB was read. `errors` lists what is wrong with it (width, field values).
    InterchangeStart {
        header: InterchangeHeader,
        delimiters: Delimiters,
        errors: Vec<EdiError>,
    },
    /// A GS or UNG was read; `None` for messages sent without a group header.
    GroupStart { header: Option<GroupHeader> },
    /// A complete transaction set or message.
    Transaction(Transaction<'a>),
    /// The group ended (with its GE/UNE or because the trailer is missing); `errors` lists
    /// trailer problems.
    GroupEnd { errors: Vec<EdiError> },
    /// The interchange ended; `errors` lists trailer and structure problems.
    InterchangeEnd { errors: Vec<EdiError> },
    /// A problem outside any interchange (garbage, an unreadable ISA).
    Stray(EdiError),
}

/// One transaction set or message with its segments.
#[derive(Debug)]
pub struct Transaction<'a> {
    unit: Box<TransactionUnit>,
    data: &'a [u8],
    base: u64,
}

impl<'a> Transaction<'a> {
    /// The ST or UNH header.
    pub fn header(&self) -> &TransactionHeader {
        &self.unit.header
    }

    /// The syntax it was written in.
    pub fn syntax(&self) -> Syntax {
        self.unit.syntax
    }

    /// Envelope errors of this transaction (counts, control numbers, bad tags, size).
    pub fn errors(&self) -> &[EdiError] {
        &self.unit.errors
    }

    /// Segments counted from ST/UNH to SE/UNT inclusive.
    pub fn segment_count(&self) -> u64 {
        self.unit.segment_count
    }

    /// The segments from ST/UNH to SE/UNT, borrowed from the input.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'a>> {
        self.unit.segments(self.data, self.base)
    }

    /// Warnings about the transaction's elements: longer than their dictionary maximum, very
    /// large, or (UNH S009) an unknown message version. Kept off the walker's hot path: the
    /// report builder asks for them.
    pub fn warnings(&self) -> Vec<EdiError> {
        let mut found = Vec::new();
        for (i, segment) in self.segments().enumerate() {
            if i == 0 && self.unit.syntax == Syntax::Edifact {
                found.extend(message_version_warning(&segment));
            }
            found.extend(length_warnings(self.unit.syntax, &segment));
        }
        found
    }

    /// What `gridlink-edi check`, reports and acknowledgments need of the transaction: the
    /// content errors of [`Transaction::document`] followed by [`Transaction::warnings`],
    /// exactly, from a validation-only pass of the same typed reader (no document is kept and
    /// the text it would only store is not copied).
    ///
    /// Each segment is split into its elements once, for the length warnings and the reader.
    pub fn check(&self) -> Vec<EdiError> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut segments: Vec<Segment<'a>> = spare_segments();
        self.unit.segments_into(self.data, self.base, &mut segments);
        let (syntax, header) = (self.unit.syntax, &self.unit.header);
        if self.unit.byte_len() > WHOLE_INDEX_MAX {
            // Segment by segment: the index of one segment at a time.
            for (i, segment) in segments.iter().enumerate() {
                if i == 0 && syntax == Syntax::Edifact {
                    warnings.extend(message_version_warning(segment));
                }
                warnings.extend(length_warnings(syntax, segment));
            }
            if !self.unit.overflowed {
                check_document(syntax, header, &segments, None, &mut errors);
            }
            errors.append(&mut warnings);
            keep_spare(segments);
            return errors;
        }
        CHECK_INDEX.with_borrow_mut(|index| {
            index.clear();
            for (i, segment) in segments.iter().enumerate() {
                // X12 composites are rare: their components are split when asked.
                let indexed = index.push(segment, self.unit.syntax == Syntax::Edifact);
                if i == 0 && self.unit.syntax == Syntax::Edifact {
                    warnings.extend(indexed_message_version_warning(segment, indexed));
                }
                indexed_length_warnings(self.unit.syntax, segment, indexed, &mut warnings);
            }
            if !self.unit.overflowed {
                check_document(syntax, header, &segments, Some(index), &mut errors);
            }
            index.release_if_large();
        });
        keep_spare(segments);
        errors.append(&mut warnings);
        errors
    }

    /// Reads the canonical document; returns it (when readable) and the content errors found.
    pub fn document(&self) -> (Option<BusinessDocument>, Vec<EdiError>) {
        let mut errors = Vec::new();
        if self.unit.overflowed {
            return (None, errors);
        }
        let mut segments: Vec<Segment<'a>> = Vec::new();
        self.unit.segments_into(self.data, self.base, &mut segments);
        let document = read_document(self.unit.syntax, &self.unit.header, &segments, &mut errors);
        (document, errors)
    }
}

fn item(event: Event, data: &[u8], base: u64) -> Item<'_> {
    match event {
        Event::InterchangeStart {
            header,
            delimiters,
            errors,
        } => Item::InterchangeStart {
            header,
            delimiters,
            errors,
        },
        Event::GroupStart { header } => Item::GroupStart { header },
        Event::Transaction(unit) => Item::Transaction(Transaction { unit, data, base }),
        Event::GroupEnd { errors } => Item::GroupEnd { errors },
        Event::InterchangeEnd { errors } => Item::InterchangeEnd { errors },
        Event::Stray(error) => Item::Stray(error),
    }
}

/// Reads a byte slice without copying it.
#[derive(Debug)]
pub struct SliceReader<'a> {
    data: &'a [u8],
    walker: Walker,
}

impl<'a> SliceReader<'a> {
    /// A reader over `data` with default limits.
    pub fn new(data: &'a [u8]) -> SliceReader<'a> {
        SliceReader::with_limits(data, Limits::default())
    }

    /// A reader over `data` with the given limits.
    pub fn with_limits(data: &'a [u8], limits: Limits) -> SliceReader<'a> {
        SliceReader {
            data,
            walker: Walker::new(limits),
        }
    }

    /// Segments read so far.
    pub fn segments_seen(&self) -> u64 {
        self.walker.segments_seen()
    }
}

impl<'a> Iterator for SliceReader<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        match self.walker.step(self.data, 0, true) {
            Step::Event(event) => Some(item(event, self.data, 0)),
            Step::End | Step::NeedMore { .. } => None,
        }
    }
}

/// The buffer shared by the blocking and the async stream readers: the bytes still needed
/// (from `base` on), read straight into the free space after them — no second copy through a
/// read chunk. Bytes no longer needed are only skipped; the ones still needed are moved to the
/// front when the space after them is too small for the next read, and the storage grows (once,
/// zero-filled) only when the open transaction fills it.
#[derive(Debug)]
struct Buffer {
    /// Initialised storage; the bytes still needed are `storage[start..end]`.
    storage: Vec<u8>,
    start: usize,
    end: usize,
    /// Absolute offset of `storage[start]`.
    base: u64,
    eof: bool,
}

impl Buffer {
    fn new() -> Buffer {
        Buffer {
            storage: Vec::new(),
            start: 0,
            end: 0,
            base: 0,
            eof: false,
        }
    }

    /// The bytes still needed, from absolute offset `base`.
    fn bytes(&self) -> &[u8] {
        &self.storage[self.start..self.end]
    }

    /// Drops the bytes before `keep_from`.
    fn compact(&mut self, keep_from: u64) {
        let drop = usize::try_from(keep_from.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.end - self.start);
        self.start += drop;
        self.base += drop as u64;
    }

    /// Where the next read goes: [`READ_CHUNK`] bytes after the ones still needed.
    fn space(&mut self) -> &mut [u8] {
        if self.storage.len() - self.end < READ_CHUNK {
            if self.start > 0 {
                self.storage.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.storage.len() - self.end < READ_CHUNK {
                self.storage.resize(self.end + READ_CHUNK, 0);
            }
        }
        &mut self.storage[self.end..self.end + READ_CHUNK]
    }

    /// Counts the `n` bytes just read into [`Buffer::space`]; zero means the source is exhausted.
    fn filled(&mut self, n: usize) {
        self.end += n.min(READ_CHUNK);
        if n == 0 {
            self.eof = true;
        }
    }
}

/// Reads from any [`Read`] in bounded memory.
#[derive(Debug)]
pub struct StreamReader<R> {
    source: R,
    buffer: Buffer,
    walker: Walker,
}

impl<R: Read> StreamReader<R> {
    /// A reader with default limits.
    pub fn new(source: R) -> StreamReader<R> {
        StreamReader::with_limits(source, Limits::default())
    }

    /// A reader with the given limits.
    pub fn with_limits(source: R, limits: Limits) -> StreamReader<R> {
        StreamReader {
            source,
            buffer: Buffer::new(),
            walker: Walker::new(limits),
        }
    }

    /// Segments read so far.
    pub fn segments_seen(&self) -> u64 {
        self.walker.segments_seen()
    }

    /// The next piece of the file, or `None` at the end.
    pub fn next_item(&mut self) -> std::io::Result<Option<Item<'_>>> {
        loop {
            match self
                .walker
                .step(self.buffer.bytes(), self.buffer.base, self.buffer.eof)
            {
                Step::Event(event) => {
                    return Ok(Some(item(event, self.buffer.bytes(), self.buffer.base)));
                }
                Step::End => return Ok(None),
                Step::NeedMore { .. } if self.buffer.eof => return Ok(None),
                Step::NeedMore { keep_from } => {
                    self.buffer.compact(keep_from);
                    let n = loop {
                        match self.source.read(self.buffer.space()) {
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            other => break other,
                        }
                    };
                    match n {
                        Ok(n) => self.buffer.filled(n),
                        Err(e) => {
                            self.buffer.filled(0);
                            return Err(e);
                        }
                    }
                }
            }
        }
    }
}

/// Reads from a tokio [`AsyncRead`] in bounded memory.
#[derive(Debug)]
pub struct AsyncStreamReader<R> {
    source: R,
    buffer: Buffer,
    walker: Walker,
}

impl<R: AsyncRead + Unpin> AsyncStreamReader<R> {
    /// A reader with default limits.
    pub fn new(source: R) -> AsyncStreamReader<R> {
        AsyncStreamReader::with_limits(source, Limits::default())
    }

    /// A reader with the given limits.
    pub fn with_limits(source: R, limits: Limits) -> AsyncStreamReader<R> {
        AsyncStreamReader {
            source,
            buffer: Buffer::new(),
            walker: Walker::new(limits),
        }
    }

    /// The next piece of the file, or `None` at the end.
    pub async fn next_item(&mut self) -> std::io::Result<Option<Item<'_>>> {
        loop {
            match self
                .walker
                .step(self.buffer.bytes(), self.buffer.base, self.buffer.eof)
            {
                Step::Event(event) => {
                    return Ok(Some(item(event, self.buffer.bytes(), self.buffer.base)));
                }
                Step::End => return Ok(None),
                Step::NeedMore { .. } if self.buffer.eof => return Ok(None),
                Step::NeedMore { keep_from } => {
                    self.buffer.compact(keep_from);
                    match self.source.read(self.buffer.space()).await {
                        Ok(n) => self.buffer.filled(n),
                        Err(e) => {
                            self.buffer.filled(0);
                            return Err(e);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{keep_spare, spare_segments};
    use crate::syntax::Delimiters;
    use crate::token::Segment;

    /// The spare segment vector keeps its memory from one transaction to the next.
    #[test]
    fn the_spare_segment_vector_keeps_its_memory() {
        let input = b"DTM+137:20240121:102".to_vec();
        let mut segments = spare_segments();
        segments.reserve(100);
        segments.push(Segment::new(&input, Delimiters::EDIFACT_DEFAULT, 0, 1, 1));
        let capacity = segments.capacity();
        keep_spare(segments);
        let again: Vec<Segment<'_>> = spare_segments();
        assert!(again.is_empty());
        assert_eq!(again.capacity(), capacity);
    }
}
