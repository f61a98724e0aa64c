//! Zero-copy tokenisers: segments, elements, components, repetitions.
//!
//! A [`Segment`] borrows the input; elements are split lazily, on access, so walking the
//! segments of a file costs little more than finding the segment terminators.
//!
//! # Format
//! X12: `BEG*00*SA*PO123**20240115~` — tag, then elements separated by the element
//! separator; composites split by the component separator (ISA16), repetitions by ISA11.
//! EDIFACT: `BGM+220+PO123+9'` — the same shape, plus the release character: `?+` is a
//! literal `+`, `??` a literal `?`. CR and LF after a terminator are ignored.

pub(crate) mod edifact;
pub(crate) mod x12;

use std::borrow::Cow;

use memchr::{memchr, memchr2};

use crate::error::{EdiError, Position, Tag};
use crate::syntax::{Delimiters, Syntax, significant_start};

/// The length of a segment's tag and whether it holds a release character (see
/// [`Segment::known`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    tag_len: u32,
    released: bool,
}

/// One segment: its tag and its elements, borrowed from the input.
#[derive(Clone, Copy)]
pub struct Segment<'a> {
    raw: &'a [u8],
    tag_len: usize,
    delimiters: Delimiters,
    /// The delimiters its elements are split with: without the release character when the
    /// segment holds none, so that splitting looks for one byte, not two.
    split: Delimiters,
    offset: u64,
    number: u64,
    in_message: u32,
    /// Text that holds `raw` (the whole transaction's, say), when it is known to be UTF-8
    /// ([`Segment::with_text`]): the text of the segment's elements is sliced from it instead of
    /// decoded again.
    text: Option<&'a str>,
}

impl std::fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("raw", &String::from_utf8_lossy(self.raw))
            .field("offset", &self.offset)
            .field("number", &self.number)
            .finish()
    }
}

impl Shape {
    /// The shape of a segment without a release character whose tag is `tag_len` bytes long.
    #[inline]
    pub(crate) fn plain(tag_len: usize) -> Shape {
        Shape {
            tag_len: u32::try_from(tag_len).unwrap_or(u32::MAX),
            released: false,
        }
    }
}

impl<'a> Segment<'a> {
    /// A segment already read once ([`Segment::new`]), rebuilt from what was learnt then: the
    /// length of its tag and whether it holds a release character.
    #[inline]
    pub(crate) fn known(
        raw: &'a [u8],
        delimiters: Delimiters,
        shape: Shape,
        offset: u64,
        number: u64,
        in_message: u32,
    ) -> Segment<'a> {
        let split = if shape.released {
            delimiters
        } else {
            Delimiters {
                release: None,
                ..delimiters
            }
        };
        Segment {
            raw,
            tag_len: (shape.tag_len as usize).min(raw.len()),
            delimiters,
            split,
            offset,
            number,
            in_message,
            text: None,
        }
    }

    /// What [`Segment::known`] needs to rebuild this segment.
    #[inline]
    pub(crate) fn shape(&self) -> Shape {
        Shape {
            tag_len: u32::try_from(self.tag_len).unwrap_or(u32::MAX),
            released: self.split.release.is_some(),
        }
    }

    /// The segment with `text`: UTF-8 text whose bytes are the input around the segment (the
    /// same memory, not a copy: the transaction's, say), or `None`.
    #[inline]
    #[must_use]
    pub(crate) fn with_text(self, text: Option<&'a str>) -> Segment<'a> {
        Segment { text, ..self }
    }

    /// The text of `part`, an element or component of this segment without a release
    /// character, sliced from the text given with [`Segment::with_text`]: what `part.text()`
    /// gives, without decoding. `None` when there is no such text, when `part` is not inside it
    /// (on character boundaries) or may hold a release character.
    #[inline]
    pub(crate) fn text_of(&self, part: Element<'a>) -> Option<&'a str> {
        let text = self.text?;
        if part.delimiters.release.is_some() {
            return None;
        }
        // Where `part` would start in `text` if it lies in the same memory (checked below).
        let start = (part.raw.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        text.get(start..start.checked_add(part.raw.len())?)
            .filter(|t| t.as_ptr() == part.raw.as_ptr())
    }

    pub(crate) fn new(
        raw: &'a [u8],
        delimiters: Delimiters,
        offset: u64,
        number: u64,
        in_message: u32,
    ) -> Segment<'a> {
        let released = delimiters.release.is_some_and(|r| find(raw, r).is_some());
        Segment::scanned(raw, delimiters, released, offset, number, in_message)
    }

    /// Like [`Segment::new`], told whether `raw` holds the release character (the scan that
    /// found the segment's end knows: [`Scanned::Segment`]).
    #[inline]
    pub(crate) fn scanned(
        raw: &'a [u8],
        delimiters: Delimiters,
        released: bool,
        offset: u64,
        number: u64,
        in_message: u32,
    ) -> Segment<'a> {
        let head = &raw[..raw.len().min(4)];
        let tag_len = match head.iter().position(|&b| b == delimiters.element) {
            Some(i) if delimiters.release.is_none_or(|r| !head[..i].contains(&r)) => i,
            _ => find_unescaped(raw, delimiters.element, delimiters.release).unwrap_or(raw.len()),
        };
        let split = if released {
            delimiters
        } else {
            Delimiters {
                release: None,
                ..delimiters
            }
        };
        Segment {
            raw,
            tag_len,
            delimiters,
            split,
            offset,
            number,
            in_message,
            text: None,
        }
    }

    /// True when the segment holds a release character (its elements are split with it).
    #[inline]
    pub(crate) fn is_released(&self) -> bool {
        self.split.release.is_some()
    }

    /// The segment identifier (`BEG`, `N1`, `UNH`).
    #[inline]
    pub fn tag(&self) -> &'a [u8] {
        &self.raw[..self.tag_len]
    }

    /// True when the segment's identifier is `tag`.
    #[inline]
    pub fn is(&self, tag: &[u8]) -> bool {
        self.tag() == tag
    }

    /// The whole segment without its terminator.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The delimiters the segment was read with.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Byte offset of the segment's first byte in the input.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// 1-based number of the segment in the input.
    #[inline]
    pub fn number(&self) -> u64 {
        self.number
    }

    /// 1-based position inside its transaction set or message (ST/UNH = 1), 0 outside one.
    #[inline]
    pub fn in_message(&self) -> u32 {
        self.in_message
    }

    /// The element at 1-based position `n`; an empty element when the segment is shorter.
    pub fn element(&self, n: usize) -> Element<'a> {
        if self.split.release.is_none() {
            // What `elements().nth(n - 1)` yields, without the iterator.
            let separator = self.split.element;
            let (Some(mut rest), Some(before)) =
                (self.raw.get(self.tag_len + 1..), n.checked_sub(1))
            else {
                return Element::empty(self.split);
            };
            for _ in 0..before {
                let Some(i) = find(rest, separator) else {
                    return Element::empty(self.split);
                };
                rest = &rest[i + 1..];
            }
            let end = find(rest, separator).unwrap_or(rest.len());
            return Element {
                raw: &rest[..end],
                delimiters: self.split,
            };
        }
        self.elements()
            .nth(n.wrapping_sub(1))
            .unwrap_or(Element::empty(self.split))
    }

    /// The element whose bytes are `start..end` of the segment (see [`Segment::elements`]).
    #[inline]
    pub(crate) fn element_at(&self, start: usize, end: usize) -> Element<'a> {
        Element {
            raw: &self.raw[start..end],
            delimiters: self.split,
        }
    }

    /// Appends the elements of the segment to `elements` and the components of its composite
    /// elements to `components` (see [`Indexed`]): exactly what [`Segment::elements`] and
    /// [`Element::component`] give, found in one pass over the segment's bytes that tests eight
    /// bytes at a time for both separators when the segment holds no release character.
    #[inline]
    pub(crate) fn index_into(&self, elements: &mut Vec<Entry>, components: &mut Vec<(u32, u32)>) {
        if self.tag_len >= self.raw.len() {
            return;
        }
        let start = self.tag_len + 1;
        let raw = self.raw;
        let Ok(len) = u32::try_from(raw.len()) else {
            self.index_released(start, elements, components);
            return;
        };
        if self.split.release.is_some() {
            self.index_released(start, elements, components);
            return;
        }
        let (element, component) = (self.split.element, self.split.component);
        // Offsets fit in u32 (checked above).
        let mut cut = Cut {
            element: narrow(start),
            component: narrow(start),
            first: narrow(components.len()),
        };
        let (spread_e, spread_c) = (ONES * u64::from(element), ONES * u64::from(component));
        let mut at = narrow(start);
        let mut words = raw[start..].chunks_exact(8);
        for chunk in words.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let word = u64::from_le_bytes(word);
            let ends = exact_zero_bytes(word ^ spread_e);
            let mut hits = ends | exact_zero_bytes(word ^ spread_c);
            while hits != 0 {
                let bit = hits & hits.wrapping_neg();
                let k = at + bit.trailing_zeros() / 8;
                if ends & bit != 0 {
                    cut.element(k, elements, components);
                } else {
                    cut.component(k, components);
                }
                hits &= hits - 1;
            }
            at += 8;
        }
        for &b in words.remainder() {
            if b == element {
                cut.element(at, elements, components);
            } else if b == component {
                cut.component(at, components);
            }
            at += 1;
        }
        cut.element(len, elements, components);
    }

    /// Like [`Segment::index_into`], but the components of a segment without a release
    /// character are not recorded: [`Segment::indexed_part`] splits one when asked (for X12,
    /// whose composites are rare). One pass over the element separators, eight bytes at a time.
    #[inline(never)]
    pub(crate) fn index_elements(
        &self,
        elements: &mut Vec<Entry>,
        components: &mut Vec<(u32, u32)>,
    ) {
        if self.tag_len >= self.raw.len() {
            return;
        }
        let raw = self.raw;
        let Ok(len) = u32::try_from(raw.len()) else {
            self.index_into(elements, components);
            return;
        };
        if self.split.release.is_some() {
            self.index_into(elements, components);
            return;
        }
        let start = self.tag_len + 1;
        let separator = self.split.element;
        let spread = ONES * u64::from(separator);
        // Offsets fit in u32 (checked above).
        let mut from = narrow(start);
        let mut at = from;
        let mut push = |start: u32, end: u32| {
            elements.push(Entry {
                start,
                end,
                first: 0,
                count: UNSPLIT,
            });
        };
        let mut words = raw[start..].chunks_exact(8);
        for chunk in words.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let mut hits = exact_zero_bytes(u64::from_le_bytes(word) ^ spread);
            while hits != 0 {
                let k = at + hits.trailing_zeros() / 8;
                push(from, k);
                from = k + 1;
                hits &= hits - 1;
            }
            at += 8;
        }
        for &b in words.remainder() {
            if b == separator {
                push(from, at);
                from = at + 1;
            }
            at += 1;
        }
        push(from, len);
    }

    /// Component `k` of element `n` (the whole element for `k` = 0) from the segment's index:
    /// what `element(n).component(k)` gives (`element(n)` for 0).
    #[inline]
    pub(crate) fn indexed_part(&self, index: Indexed<'_>, n: usize, k: usize) -> Element<'a> {
        match index.part(n, k) {
            Some((start, end)) => self.element_at(start as usize, end as usize),
            None => self.unsplit_part(index.element(n), k),
        }
    }

    /// Component `k` of the element at `start..end`, split now (see [`Segment::indexed_part`]).
    #[cold]
    #[inline(never)]
    fn unsplit_part(&self, (start, end): (u32, u32), k: usize) -> Element<'a> {
        self.element_at(start as usize, end as usize).component(k)
    }

    /// [`Segment::index_into`] for a segment that holds a release character: through the
    /// element and component iterators.
    fn index_released(
        &self,
        start: usize,
        elements: &mut Vec<Entry>,
        components: &mut Vec<(u32, u32)>,
    ) {
        let separator = self.split.component;
        let mut from = start;
        for element in self.elements() {
            let end = from + element.raw().len();
            let first = components.len();
            if element.raw().contains(&separator) {
                let mut at = from;
                for part in element.components() {
                    let to = at + part.raw().len();
                    components.push(bound(at, to));
                    at = to + 1;
                }
            }
            let (start, stop) = bound(from, end);
            elements.push(Entry {
                start,
                end: stop,
                first: narrow(first),
                count: narrow(components.len() - first),
            });
            from = end + 1;
        }
    }

    /// The elements after the tag, in order.
    pub fn elements(&self) -> Elements<'a> {
        let rest = if self.tag_len < self.raw.len() {
            Some(&self.raw[self.tag_len + 1..])
        } else {
            None
        };
        Elements {
            rest,
            delimiters: self.split,
        }
    }

    /// Number of elements after the tag (trailing empty ones included).
    pub fn element_count(&self) -> usize {
        self.elements().count()
    }

    /// The first component of the first element (`137` of `DTM+137:20240121:102`): the
    /// qualifier readers dispatch on. What `element(1).component(1)` gives, found in one pass
    /// over the few bytes before the first separator.
    #[inline]
    pub(crate) fn qualifier(&self) -> &'a [u8] {
        if self.split.release.is_some() {
            return self.element(1).component(1).raw();
        }
        let Some(rest) = self.raw.get(self.tag_len + 1..) else {
            return &[];
        };
        let (element, component) = (self.split.element, self.split.component);
        let end = rest
            .iter()
            .position(|&b| b == element || b == component)
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// The segment's position (tag, offset, numbers).
    pub fn position(&self) -> Position {
        Position {
            offset: self.offset,
            segment: self.number,
            segment_in_message: (self.in_message > 0).then_some(self.in_message),
            tag: Some(Tag::new(self.tag())),
            element: None,
            component: None,
        }
    }

    /// The position of one element (and optionally one component) of this segment.
    pub fn position_of(&self, element: usize, component: Option<usize>) -> Position {
        self.position().with_element(element, component)
    }
}

/// One element of a segment as [`Segment::index_into`] records it: its bytes (`start..end` of
/// the segment's, for [`Segment::element_at`]) and where its components are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    pub start: u32,
    pub end: u32,
    /// Its components are `components[first..first + count]`; `count` is 0 when the element
    /// holds no component separator (its one component is the whole element), [`UNSPLIT`]
    /// when its components were not recorded ([`Segment::index_elements`]).
    first: u32,
    count: u32,
}

/// The `count` of an [`Entry`] whose components were not recorded.
const UNSPLIT: u32 = u32::MAX;

/// A segment's elements and components, split once ([`Segment::index_into`]): element `n` and
/// component `k` of it in O(1), as `start..end` of the segment's bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Indexed<'i> {
    pub elements: &'i [Entry],
    /// The components of every element indexed with it (the entries hold absolute indices).
    pub components: &'i [(u32, u32)],
}

impl Indexed<'_> {
    /// The number of elements (trailing empty ones included).
    #[inline]
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// The bytes of element `n` (1-based); `(0, 0)`, empty, when the segment is shorter.
    #[inline]
    pub fn element(&self, n: usize) -> (u32, u32) {
        match n.checked_sub(1).and_then(|i| self.elements.get(i)) {
            Some(entry) => (entry.start, entry.end),
            None => (0, 0),
        }
    }

    /// The bytes of component `k` (1-based) of element `n`, or of the whole element when `k`
    /// is 0: what `element(n).component(k)` gives (`element(n)` for 0). `(0, 0)` when absent.
    /// `None` for a component of an element whose components were not recorded
    /// ([`Segment::index_elements`]): see [`Segment::indexed_part`].
    #[inline]
    pub fn part(&self, n: usize, k: usize) -> Option<(u32, u32)> {
        let Some(entry) = n.checked_sub(1).and_then(|i| self.elements.get(i)) else {
            return Some((0, 0));
        };
        if k == 0 || (entry.count == 0 && k == 1) {
            return Some((entry.start, entry.end));
        }
        if entry.count == UNSPLIT {
            return None;
        }
        if k > entry.count as usize {
            return Some((0, 0));
        }
        self.components.get(entry.first as usize + k - 1).copied()
    }
}

/// Where [`Segment::index_into`] stands in the segment: the start of the open element and of
/// its open component, and the first component recorded for the open element.
struct Cut {
    element: u32,
    component: u32,
    first: u32,
}

impl Cut {
    /// An element separator (or the segment's end) at `k`.
    #[inline]
    fn element(&mut self, k: u32, elements: &mut Vec<Entry>, components: &mut Vec<(u32, u32)>) {
        let mut count = 0;
        if self.component != self.element {
            components.push((self.component, k));
            count = narrow(components.len()) - self.first;
        }
        elements.push(Entry {
            start: self.element,
            end: k,
            first: self.first,
            count,
        });
        self.element = k + 1;
        self.component = k + 1;
        self.first += count;
    }

    /// A component separator at `k`.
    #[inline]
    fn component(&mut self, k: u32, components: &mut Vec<(u32, u32)>) {
        components.push((self.component, k));
        self.component = k + 1;
    }
}

/// One element (simple or composite), borrowed from the input.
#[derive(Clone, Copy, Debug)]
pub struct Element<'a> {
    raw: &'a [u8],
    delimiters: Delimiters,
}

impl<'a> Element<'a> {
    #[inline]
    fn empty(delimiters: Delimiters) -> Element<'a> {
        Element {
            raw: &[],
            delimiters,
        }
    }

    /// The element's bytes as they are in the input (release characters included).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// True when the element is absent or empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The component at 1-based position `k`; an empty element when absent.
    #[must_use]
    pub fn component(&self, k: usize) -> Element<'a> {
        if self.delimiters.release.is_none() {
            // What `components().nth(k - 1)` yields, without the iterator.
            let separator = self.delimiters.component;
            let mut rest = self.raw;
            for _ in 1..k {
                let Some(i) = find(rest, separator) else {
                    return Element::empty(self.delimiters);
                };
                rest = &rest[i + 1..];
            }
            let raw = match (k, find(rest, separator)) {
                (0, _) => return Element::empty(self.delimiters),
                (_, Some(i)) => &rest[..i],
                (_, None) => rest,
            };
            return Element {
                raw,
                delimiters: self.delimiters,
            };
        }
        self.components()
            .nth(k.wrapping_sub(1))
            .unwrap_or(Element::empty(self.delimiters))
    }

    /// The components of a composite element.
    pub fn components(&self) -> Split<'a> {
        Split::new(self.raw, self.delimiters.component, self.delimiters)
    }

    /// The repetitions of a repeating element (one when the interchange has no separator).
    pub fn repetitions(&self) -> Split<'a> {
        match self.delimiters.repetition {
            Some(sep) => Split::new(self.raw, sep, self.delimiters),
            None => Split {
                rest: Some(self.raw),
                separator: None,
                delimiters: self.delimiters,
            },
        }
    }

    /// True when [`Element::text`] succeeds; without decoding when the element is ASCII and
    /// holds no release character.
    #[inline]
    pub fn is_text(&self) -> bool {
        let plain = match self.delimiters.release {
            Some(release) => find(self.raw, release).is_none(),
            None => true,
        };
        (plain && self.raw.is_ascii()) || self.text().is_ok()
    }

    /// The text of the element, with EDIFACT release characters removed.
    pub fn text(&self) -> Result<Cow<'a, str>, std::str::Utf8Error> {
        match self.delimiters.release {
            Some(release) if find(self.raw, release).is_some() => {
                let mut out = Vec::with_capacity(self.raw.len());
                let mut bytes = self.raw.iter();
                while let Some(&b) = bytes.next() {
                    if b == release {
                        if let Some(&escaped) = bytes.next() {
                            out.push(escaped);
                        }
                    } else {
                        out.push(b);
                    }
                }
                String::from_utf8(out)
                    .map(Cow::Owned)
                    .map_err(|e| e.utf8_error())
            }
            _ => std::str::from_utf8(self.raw).map(Cow::Borrowed),
        }
    }
}

/// Iterator over the elements of a segment.
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    rest: Option<&'a [u8]>,
    delimiters: Delimiters,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        let rest = self.rest?;
        let delimiters = self.delimiters;
        if let Some(i) = find_unescaped(rest, delimiters.element, delimiters.release) {
            self.rest = Some(&rest[i + 1..]);
            Some(Element {
                raw: &rest[..i],
                delimiters,
            })
        } else {
            self.rest = None;
            Some(Element {
                raw: rest,
                delimiters,
            })
        }
    }
}

/// Iterator over components or repetitions.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    rest: Option<&'a [u8]>,
    separator: Option<u8>,
    delimiters: Delimiters,
}

impl<'a> Split<'a> {
    fn new(raw: &'a [u8], separator: u8, delimiters: Delimiters) -> Split<'a> {
        Split {
            rest: Some(raw),
            separator: Some(separator),
            delimiters,
        }
    }
}

impl<'a> Iterator for Split<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        let rest = self.rest?;
        let delimiters = self.delimiters;
        let found = self
            .separator
            .and_then(|sep| find_unescaped(rest, sep, delimiters.release));
        if let Some(i) = found {
            self.rest = Some(&rest[i + 1..]);
            Some(Element {
                raw: &rest[..i],
                delimiters,
            })
        } else {
            self.rest = None;
            Some(Element {
                raw: rest,
                delimiters,
            })
        }
    }
}

/// Index of the first `needle` in `hay` that is not preceded by the release character.
pub(crate) fn find_unescaped(hay: &[u8], needle: u8, release: Option<u8>) -> Option<usize> {
    find_unescaped_noting(hay, needle, release).map(|(k, _)| k)
}

/// Like [`find_unescaped`]; also says whether a release character came before the match.
fn find_unescaped_noting(hay: &[u8], needle: u8, release: Option<u8>) -> Option<(usize, bool)> {
    let Some(release) = release else {
        return find(hay, needle).map(|k| (k, false));
    };
    let mut from = 0;
    while from < hay.len() {
        let k = from + find2(&hay[from..], needle, release)?;
        if hay[k] == needle {
            return Some((k, from > 0));
        }
        from = k + 2;
    }
    None
}

/// How many bytes [`find`] and [`find2`] test themselves, eight at a time, before calling
/// memchr: most elements, components and segments are shorter, and for them a few word-wide
/// tests beat memchr's call and set-up (element splitting was a fifth of `check`'s time).
const SHORT: usize = 32;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every zero byte of `word` is set, and possibly of bytes above the lowest
/// zero byte (a borrow), never below it: the lowest set bit marks the first zero byte exactly.
#[inline]
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// Index of the first byte of `head` (at most [`SHORT`] bytes) for which `hit` marks a zero
/// byte of the word, or of the remainder for which `byte` holds.
#[inline]
fn find_short(head: &[u8], hit: impl Fn(u64) -> u64, byte: impl Fn(u8) -> bool) -> Option<usize> {
    let mut words = head.chunks_exact(8);
    let mut at = 0;
    for chunk in words.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = hit(u64::from_le_bytes(word));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| byte(b))
        .map(|i| at + i)
}

/// `memchr` for a match that is usually within a few bytes.
#[inline]
pub(crate) fn find(hay: &[u8], needle: u8) -> Option<usize> {
    let spread = ONES * u64::from(needle);
    let head = &hay[..hay.len().min(SHORT)];
    if let Some(i) = find_short(head, |w| zero_bytes(w ^ spread), |b| b == needle) {
        return Some(i);
    }
    if hay.len() <= SHORT {
        return None;
    }
    memchr(needle, &hay[SHORT..]).map(|i| i + SHORT)
}

/// `memchr2` for a match that is usually within a few bytes.
#[inline]
fn find2(hay: &[u8], a: u8, b: u8) -> Option<usize> {
    let (spread_a, spread_b) = (ONES * u64::from(a), ONES * u64::from(b));
    let head = &hay[..hay.len().min(SHORT)];
    let hit = |w: u64| zero_bytes(w ^ spread_a) | zero_bytes(w ^ spread_b);
    if let Some(i) = find_short(head, hit, |x| x == a || x == b) {
        return Some(i);
    }
    if hay.len() <= SHORT {
        return None;
    }
    memchr2(a, b, &hay[SHORT..]).map(|i| i + SHORT)
}

/// The high bit of exactly the zero bytes of `word` (no borrow between bytes).
#[inline]
fn exact_zero_bytes(word: u64) -> u64 {
    const LOWS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    !(((word & LOWS).wrapping_add(LOWS)) | word | LOWS)
}

/// `start..end` as stored in an element index. Segments are at most a few MiB
/// ([`DEFAULT_MAX_SEGMENT`] by default; spans store their length as `u32` too).
#[inline]
fn bound(start: usize, end: usize) -> (u32, u32) {
    (narrow(start), narrow(end))
}

#[inline]
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A segment tag of up to three bytes as one integer (its length and its bytes), so that a tag
/// is looked up in a list of tags with integer comparisons; `None` for a longer tag.
#[inline]
pub(crate) const fn tag_key(tag: &[u8]) -> Option<u32> {
    let mut key: u32 = match tag.len() {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        _ => return None,
    };
    let mut i = 0;
    while i < tag.len() {
        key |= (tag[i] as u32) << (8 * (i + 1));
        i += 1;
    }
    Some(key)
}

/// The [`tag_key`]s of a list of tags of at most three bytes (evaluated at compile time).
pub(crate) const fn tag_keys<const N: usize>(tags: [&[u8]; N]) -> [u32; N] {
    let mut keys = [0; N];
    let mut i = 0;
    while i < N {
        keys[i] = match tag_key(tags[i]) {
            Some(key) => key,
            None => panic!("a tag of more than three bytes"),
        };
        i += 1;
    }
    keys
}

/// True for a well-formed segment identifier: a capital letter and one or two capitals or digits.
#[inline]
pub(crate) fn is_valid_tag(tag: &[u8]) -> bool {
    (2..=3).contains(&tag.len())
        && tag[0].is_ascii_uppercase()
        && tag[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The outcome of looking for the next segment in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// A segment occupies `start..end`; the next one may begin at `next`. `released`: a
    /// release character stands before `end` (false: none does).
    Segment {
        start: usize,
        end: usize,
        next: usize,
        released: bool,
    },
    /// Only whitespace remains and the input is complete.
    End,
    /// The segment is not complete in the buffer yet.
    NeedMore,
    /// The input ends inside the segment starting at `start`.
    Truncated { start: usize },
    /// No terminator within the limit, from `start`.
    TooLong { start: usize },
}

/// Finds the segment at or after `pos`, skipping CR/LF between segments.
pub(crate) fn scan(
    data: &[u8],
    mut pos: usize,
    delimiters: Delimiters,
    eof: bool,
    max_segment: usize,
) -> Scanned {
    while pos < data.len() && matches!(data[pos], b'\r' | b'\n') {
        pos += 1;
    }
    if pos >= data.len() {
        return if eof { Scanned::End } else { Scanned::NeedMore };
    }
    let window_end = data
        .len()
        .min(pos.saturating_add(max_segment).saturating_add(1));
    match find_unescaped_noting(
        &data[pos..window_end],
        delimiters.segment,
        delimiters.release,
    ) {
        Some((k, released)) => {
            let mut end = pos + k;
            if delimiters.segment == b'\n' && end > pos && data[end - 1] == b'\r' {
                end -= 1;
            }
            Scanned::Segment {
                start: pos,
                end,
                next: pos + k + 1,
                released,
            }
        }
        None if window_end - pos > max_segment => Scanned::TooLong { start: pos },
        None if eof => Scanned::Truncated { start: pos },
        None => Scanned::NeedMore,
    }
}

/// Default limit on one segment's length (1 MiB).
pub const DEFAULT_MAX_SEGMENT: usize = 1 << 20;

/// A zero-copy iterator over the segments of a byte slice.
///
/// Delimiters come from the first interchange (the ISA, or UNA, or the EDIFACT defaults);
/// the UNA itself is not yielded. This is the raw tokeniser: no envelope checks (see
/// [`crate::validate`] for those).
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    data: &'a [u8],
    pos: usize,
    delimiters: Delimiters,
    number: u64,
    done: bool,
}

impl<'a> Segments<'a> {
    /// Reads the delimiters from the start of `data` and positions the tokeniser there.
    pub fn new(data: &'a [u8]) -> Result<Segments<'a>, EdiError> {
        let start = significant_start(data);
        let (delimiters, pos) = match crate::syntax::detect(data) {
            Some(Syntax::X12) => match x12::read_isa(data, start, 0, true, 1) {
                x12::IsaRead::Found(isa) => (isa.delimiters, start),
                x12::IsaRead::NeedMore => unreachable_need_more(start)?,
                x12::IsaRead::Unreadable(e) => return Err(e),
            },
            Some(Syntax::Edifact) => {
                let (una, len) = edifact::read_una(data, start, 0)?;
                (una, start + len)
            }
            None => {
                return Err(EdiError::NotEdi {
                    at: Position::at_offset(start as u64),
                });
            }
        };
        Ok(Segments::with_delimiters(data, delimiters, pos))
    }

    /// A tokeniser over `data` from byte `pos` with known delimiters.
    pub fn with_delimiters(data: &'a [u8], delimiters: Delimiters, pos: usize) -> Segments<'a> {
        Segments {
            data,
            pos,
            delimiters,
            number: 0,
            done: false,
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }
}

fn unreachable_need_more(start: usize) -> Result<(Delimiters, usize), EdiError> {
    Err(EdiError::Truncated {
        at: Position::at_offset(start as u64),
    })
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<Segment<'a>, EdiError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match scan(
            self.data,
            self.pos,
            self.delimiters,
            true,
            DEFAULT_MAX_SEGMENT,
        ) {
            Scanned::Segment {
                start, end, next, ..
            } => {
                self.pos = next;
                self.number += 1;
                Some(Ok(Segment::new(
                    &self.data[start..end],
                    self.delimiters,
                    start as u64,
                    self.number,
                    0,
                )))
            }
            Scanned::End | Scanned::NeedMore => {
                self.done = true;
                None
            }
            Scanned::Truncated { start } => {
                self.done = true;
                Some(Err(EdiError::Truncated {
                    at: Position::at_offset(start as u64),
                }))
            }
            Scanned::TooLong { start } => {
                self.done = true;
                Some(Err(EdiError::SegmentTooLong {
                    at: Position::at_offset(start as u64),
                    limit: DEFAULT_MAX_SEGMENT,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{find, find2};

    #[test]
    fn the_index_holds_the_elements_and_components() {
        use super::Segment;
        use crate::syntax::Delimiters;
        for raw in [
            &b"N1"[..],
            b"N1*",
            b"N1**",
            b"PO1*1*12*EA*3.75**UK*00614141000001*VP*ACME-1",
            b"PID*F****ITEM 1 OF ORDER 0 WITH A LONGER DESCRIPTION*",
            b"X*\x80\xff*\x2a\x2b*",
            b"NAD+SU+0614141000012::9++ACME?+SUPPLY CO",
            b"NAD+SU+0614141000012::9++ACME SUPPLY CO+",
            b"??+?+?",
            b"UNH+1+INVOIC:D:96A:UN",
            b"NAD+SU+0614141000012::9++ACME?:SUPPLY:CO",
            b"PO1*1*12*EA*3.75**UK>00614141000001>X*VP*ACME-1",
            b"DTM+137:20240121:102:A:B:C:D:E:F:G:H:I:J:K:L:M:N:O:P:Q:R:S:T:U:V:W:X:Y:Z:123456789",
            b"X*>>>>>>>>>>>>>>>>>>*>*12345678>9>>",
        ] {
            for delimiters in [Delimiters::X12_DEFAULT, Delimiters::EDIFACT_DEFAULT] {
                for len in 0..=raw.len() {
                    let segment = Segment::new(&raw[..len], delimiters, 0, 1, 1);
                    assert_eq!(
                        segment.qualifier(),
                        segment.element(1).component(1).raw(),
                        "{:?}",
                        String::from_utf8_lossy(&raw[..len])
                    );
                    // Entries from a segment indexed before: component indices are absolute.
                    let mut elements = vec![super::Entry::default(); 2];
                    let mut components = vec![(7, 9); 3];
                    segment.index_into(&mut elements, &mut components);
                    let index = super::Indexed {
                        elements: &elements[2..],
                        components: &components,
                    };
                    let split: Vec<&[u8]> = index
                        .elements
                        .iter()
                        .map(|e| segment.element_at(e.start as usize, e.end as usize).raw())
                        .collect();
                    let at = |(a, b): (u32, u32)| segment.element_at(a as usize, b as usize).raw();
                    let (mut lazy, mut none) = (Vec::new(), Vec::new());
                    segment.index_elements(&mut lazy, &mut none);
                    let unsplit = super::Indexed {
                        elements: &lazy,
                        components: &none,
                    };
                    for (i, element) in segment.elements().enumerate() {
                        let pieces: Vec<&[u8]> = element.components().map(|c| c.raw()).collect();
                        assert_eq!(at(index.element(i + 1)), element.raw());
                        assert_eq!(segment.indexed_part(index, i + 1, 0).raw(), element.raw());
                        assert_eq!(at(unsplit.element(i + 1)), element.raw());
                        for k in 0..pieces.len() + 3 {
                            let expected = match k {
                                0 => &b""[..],
                                _ => pieces.get(k - 1).copied().unwrap_or_default(),
                            };
                            assert_eq!(element.component(k).raw(), expected, "{k}");
                            if k > 0 {
                                assert_eq!(segment.indexed_part(index, i + 1, k).raw(), expected);
                                assert_eq!(segment.indexed_part(unsplit, i + 1, k).raw(), expected);
                            }
                        }
                    }
                    let count = segment.element_count();
                    for n in 0..count + 3 {
                        let nth = segment.elements().nth(n.wrapping_sub(1));
                        assert_eq!(
                            segment.element(n).raw(),
                            nth.map_or(&b""[..], |element| element.raw()),
                            "{n}"
                        );
                    }
                    assert_eq!(index.len(), count);
                    assert_eq!(unsplit.len(), count);
                    for k in 0..3 {
                        for index in [index, unsplit] {
                            assert_eq!(segment.indexed_part(index, count + 1, k).raw(), b"");
                            assert_eq!(segment.indexed_part(index, 0, k).raw(), b"");
                        }
                    }
                    let expected: Vec<&[u8]> = segment.elements().map(|e| e.raw()).collect();
                    assert_eq!(
                        split,
                        expected,
                        "{:?}",
                        String::from_utf8_lossy(&raw[..len])
                    );
                }
            }
        }
    }

    #[test]
    fn tag_keys_tell_tags_apart() {
        use super::tag_key;
        let tags: [&[u8]; 7] = [b"", b"A", b"A\0", b"\0A", b"N1", b"N1\0", b"UNH"];
        for a in tags {
            for b in tags {
                assert_eq!(tag_key(a) == tag_key(b), a == b, "{a:?} {b:?}");
            }
        }
        assert_eq!(tag_key(b"UNHX"), None);
    }

    #[test]
    fn the_word_wide_search_finds_what_a_byte_loop_finds() {
        // Every length across the word, SHORT and memchr boundaries; every position of the
        // needle; fillers that provoke the borrow of the zero-byte test (0x00, 0x01, 0x80, 0xFF
        // around the needle's value).
        for len in 0..80 {
            for filler in [b'A', 0x00, 0x01, 0x7F, 0x80, 0xFF, b'*' + 1, b'*' - 1] {
                for at in (0..len).chain([usize::MAX]) {
                    for second in [None, Some(at.wrapping_add(3)), Some(at / 2)] {
                        let mut hay = vec![filler; len];
                        if let Some(slot) = hay.get_mut(at) {
                            *slot = b'*';
                        }
                        if let Some(slot) = second.and_then(|k| hay.get_mut(k)) {
                            *slot = b'~';
                        }
                        let one = hay.iter().position(|&b| b == b'*');
                        assert_eq!(find(&hay, b'*'), one, "{len} {filler:#x} {at}");
                        let two = hay.iter().position(|&b| b == b'*' || b == b'~');
                        assert_eq!(find2(&hay, b'*', b'~'), two, "{len} {filler:#x} {at}");
                    }
                }
            }
        }
    }
}
