//! Errors with their position, and their acknowledgment codes.
//!
//! Every [`EdiError`] carries a [`Position`] (byte offset, segment number, element number) and
//! knows which code it becomes in each acknowledgment: TA1 note codes (TA105), 997 AK3/AK4 and
//! 999 IK3/IK4 segment and element codes, AK5/IK5 set codes, AK9 group codes, and EDIFACT
//! CONTRL syntax error codes (data element 0085).

use serde::{Deserialize, Serialize};

/// A segment identifier (`ISA`, `N1`, `UNH`), stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tag {
    bytes: [u8; 3],
    len: u8,
}

impl Tag {
    /// Builds a tag from its bytes; longer input is cut to three bytes.
    pub fn new(raw: &[u8]) -> Tag {
        let mut bytes = [0u8; 3];
        let len = raw.len().min(3);
        bytes[..len].copy_from_slice(&raw[..len]);
        Tag {
            bytes,
            len: u8::try_from(len).unwrap_or(3),
        }
    }

    /// The tag as text (non-ASCII bytes shown as `?`).
    pub fn as_str(&self) -> String {
        self.bytes[..usize::from(self.len)]
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() {
                    char::from(b)
                } else {
                    '?'
                }
            })
            .collect()
    }
}

impl std::fmt::Debug for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tag({})", self.as_str())
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl Serialize for Tag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Tag, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Tag::new(text.as_bytes()))
    }
}

/// Where in the input something was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Position {
    /// Byte offset of the segment's first byte (or of the problem) from the start of the input.
    pub offset: u64,
    /// 1-based number of the segment in the input; 0 when the problem is not at a segment.
    pub segment: u64,
    /// 1-based position of the segment inside its transaction set or message (ST/UNH = 1).
    pub segment_in_message: Option<u32>,
    /// The segment's identifier, when known.
    pub tag: Option<Tag>,
    /// 1-based element position inside the segment (the first element after the tag is 1).
    pub element: Option<u16>,
    /// 1-based component position inside a composite element.
    pub component: Option<u16>,
}

impl Position {
    /// A position at a byte offset, outside any segment.
    pub fn at_offset(offset: u64) -> Position {
        Position {
            offset,
            ..Position::default()
        }
    }

    /// The same position narrowed to one element (and optionally one component).
    #[must_use]
    pub fn with_element(mut self, element: usize, component: Option<usize>) -> Position {
        self.element = u16::try_from(element).ok();
        self.component = component.and_then(|c| u16::try_from(c).ok());
        self
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "offset={}", self.offset)?;
        if self.segment > 0 {
            write!(f, " segment={}", self.segment)?;
        }
        if let Some(tag) = self.tag {
            write!(f, " tag={tag}")?;
        }
        if let Some(n) = self.segment_in_message {
            write!(f, " segment_in_message={n}")?;
        }
        if let Some(e) = self.element {
            write!(f, " element={e}")?;
        }
        if let Some(c) = self.component {
            write!(f, " component={c}")?;
        }
        Ok(())
    }
}

/// The envelope level an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// ISA…IEA or UNB…UNZ.
    Interchange,
    /// GS…GE or UNG…UNE.
    Group,
    /// ST…SE or UNH…UNT.
    Transaction,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Interchange => "interchange",
            Level::Group => "group",
            Level::Transaction => "transaction",
        })
    }
}

/// Whether an error rejects what contains it, is noted to the partner, or only warned about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The containing transaction (or group, or interchange) must be rejected.
    Reject,
    /// Accepted with errors: the document is usable, the partner is told.
    Note,
    /// Accepted: the document is usable and the acknowledgment does not mention it; gridlink's
    /// operators see it (`gridlink-edi check` prints it on stderr, [`crate::Report::warnings`]).
    Warning,
}

/// Everything that can be wrong with an EDI file, each with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EdiError {
    /// The input starts with neither `ISA` nor `UNA`/`UNB`.
    #[error("{at}: not an X12 or EDIFACT interchange (expected ISA, UNA or UNB)")]
    NotEdi { at: Position },
    /// The ISA segment is not 106 bytes long.
    #[error("{at}: the ISA segment is {found} bytes long; it must be exactly 106")]
    ShortIsa { at: Position, found: usize },
    /// An ISA field does not have its fixed width.
    #[error("{at}: ISA{element:02} is {found} characters wide; it must be {expected}")]
    IsaFieldWidth {
        at: Position,
        element: u8,
        expected: u8,
        found: usize,
    },
    /// Delimiters that collide or are letters or digits.
    #[error("{at}: unusable delimiters: {reason}")]
    InvalidDelimiters { at: Position, reason: String },
    /// A UNA service string advice that is not `UNA` plus six characters.
    #[error("{at}: malformed UNA service string advice")]
    MalformedUna { at: Position },
    /// The input ends inside a segment.
    #[error("{at}: the input ends inside a segment (no segment terminator)")]
    Truncated { at: Position },
    /// A segment without terminator within the configured limit.
    #[error("{at}: segment longer than {limit} bytes")]
    SegmentTooLong { at: Position, limit: usize },
    /// A transaction set or message larger than the configured limit.
    #[error("{at}: transaction larger than {limit} bytes")]
    TransactionTooLarge { at: Position, limit: usize },
    /// Bytes where a segment identifier should be that are not one.
    #[error("{at}: {tag:?} is not a segment identifier")]
    InvalidSegmentTag { at: Position, tag: String },
    /// A header without its trailer.
    #[error("{at}: {level} trailer {expected} missing")]
    MissingTrailer {
        at: Position,
        level: Level,
        expected: String,
    },
    /// Header and trailer control numbers differ.
    #[error(
        "{at}: {level} control number {header:?} in the header does not match {trailer:?} in the trailer"
    )]
    ControlNumberMismatch {
        at: Position,
        level: Level,
        header: String,
        trailer: String,
    },
    /// A trailer count (segments, sets, groups) that does not match what was received.
    #[error("{at}: the {level} trailer declares {declared:?} but {actual} were received")]
    CountMismatch {
        at: Position,
        level: Level,
        declared: String,
        actual: u64,
    },
    /// A control number used twice in the same container.
    #[error("{at}: {level} control number {number:?} used twice")]
    DuplicateControlNumber {
        at: Position,
        level: Level,
        number: String,
    },
    /// A segment where the envelope structure does not allow it.
    #[error("{at}: segment {tag} is not allowed here: {reason}")]
    UnexpectedSegment {
        at: Position,
        tag: String,
        reason: String,
    },
    /// An envelope field (ISA13, GS06, UNB S002…) with an invalid value.
    #[error("{at}: envelope field {field} has the invalid value {value:?}")]
    InvalidEnvelopeField {
        at: Position,
        field: String,
        value: String,
    },
    /// A transaction set or message type gridlink does not read.
    #[error("{at}: transaction set {set_id} is not supported")]
    UnsupportedTransaction { at: Position, set_id: String },
    /// A mandatory segment is absent.
    #[error("{at}: mandatory segment {tag} missing")]
    MissingSegment { at: Position, tag: String },
    /// A mandatory element is empty or absent.
    #[error("{at}: mandatory element {name} missing")]
    MissingElement { at: Position, name: String },
    /// A numeric element that is not a number.
    #[error("{at}: {value:?} is not a valid number")]
    InvalidNumber { at: Position, value: String },
    /// A date element that is not a valid date.
    #[error("{at}: {value:?} is not a valid date")]
    InvalidDate { at: Position, value: String },
    /// A time element that is not a valid time.
    #[error("{at}: {value:?} is not a valid time")]
    InvalidTime { at: Position, value: String },
    /// A coded element with a value outside its code list.
    #[error("{at}: {value:?} is not a valid code here")]
    InvalidCode { at: Position, value: String },
    /// Bytes that are not valid UTF-8 text.
    #[error("{at}: invalid characters (not UTF-8)")]
    InvalidCharacter { at: Position },
    /// A byte inside a data element that the interchange's character set does not have: a
    /// control character (NUL…US, DEL) in any syntax, or a byte above 0x7F under EDIFACT
    /// `UNOA`/`UNOB`.
    #[error("{at}: byte 0x{byte:02X} is not in the character set of the interchange")]
    ForbiddenCharacter { at: Position, byte: u8 },
    /// A binary segment (X12 `BIN`, `BDS`) whose declared length does not match the data before
    /// its terminator.
    #[error(
        "{at}: the binary segment declares {declared} bytes of data, but {found} bytes follow before a segment terminator"
    )]
    BinaryLength {
        at: Position,
        declared: u64,
        found: u64,
    },
    /// An element longer than its maximum in the standard's dictionary — *warning*.
    #[error("{at}: element is {length} characters long; its maximum is {max}")]
    ElementTooLong {
        at: Position,
        max: usize,
        length: usize,
    },
    /// An element longer than any text element either standard defines (4 096 characters) —
    /// *warning*.
    #[error("{at}: very large element ({length} bytes)")]
    LargeElement { at: Position, length: usize },
    /// A version gridlink does not know (ISA12, GS08, UNH S009) — *warning*: read as the nearest
    /// known one.
    #[error("{at}: {field} names the unknown version {value:?}")]
    UnknownVersion {
        at: Position,
        field: String,
        value: String,
    },
    /// A UTF-8 byte-order mark before the interchange header; skipped — *warning*.
    #[error("{at}: a UTF-8 byte-order mark precedes the interchange header and was skipped")]
    ByteOrderMark { at: Position },
    /// Bytes after an interchange's trailer that start no interchange (a DOS end-of-file byte,
    /// padding, noise); ignored — *warning*.
    #[error("{at}: data after the interchange trailer (first byte 0x{first_byte:02X}) was ignored")]
    TrailingData { at: Position, first_byte: u8 },
    /// A well-formed segment gridlink does not expect in this transaction set; it is ignored.
    #[error("{at}: segment {tag} is not expected in this transaction set and was ignored")]
    UnknownSegment { at: Position, tag: String },
    /// An SSCC-18 whose GS1 check digit is wrong.
    #[error("{at}: SSCC {value:?} has a wrong check digit")]
    InvalidSscc { at: Position, value: String },
}

impl EdiError {
    /// Where the error was found.
    pub fn position(&self) -> &Position {
        match self {
            EdiError::NotEdi { at }
            | EdiError::ShortIsa { at, .. }
            | EdiError::IsaFieldWidth { at, .. }
            | EdiError::InvalidDelimiters { at, .. }
            | EdiError::MalformedUna { at }
            | EdiError::Truncated { at }
            | EdiError::SegmentTooLong { at, .. }
            | EdiError::TransactionTooLarge { at, .. }
            | EdiError::InvalidSegmentTag { at, .. }
            | EdiError::MissingTrailer { at, .. }
            | EdiError::ControlNumberMismatch { at, .. }
            | EdiError::CountMismatch { at, .. }
            | EdiError::DuplicateControlNumber { at, .. }
            | EdiError::UnexpectedSegment { at, .. }
            | EdiError::InvalidEnvelopeField { at, .. }
            | EdiError::UnsupportedTransaction { at, .. }
            | EdiError::MissingSegment { at, .. }
            | EdiError::MissingElement { at, .. }
            | EdiError::InvalidNumber { at, .. }
            | EdiError::InvalidDate { at, .. }
            | EdiError::InvalidTime { at, .. }
            | EdiError::InvalidCode { at, .. }
            | EdiError::InvalidCharacter { at }
            | EdiError::ForbiddenCharacter { at, .. }
            | EdiError::BinaryLength { at, .. }
            | EdiError::ElementTooLong { at, .. }
            | EdiError::LargeElement { at, .. }
            | EdiError::UnknownVersion { at, .. }
            | EdiError::ByteOrderMark { at }
            | EdiError::TrailingData { at, .. }
            | EdiError::UnknownSegment { at, .. }
            | EdiError::InvalidSscc { at, .. } => at,
        }
    }

    /// Whether the error rejects its container or is only noted.
    pub fn severity(&self) -> Severity {
        match self {
            EdiError::ElementTooLong { .. }
            | EdiError::LargeElement { .. }
            | EdiError::UnknownVersion { .. }
            | EdiError::ByteOrderMark { .. }
            | EdiError::TrailingData { .. } => Severity::Warning,
            EdiError::UnknownSegment { .. } | EdiError::InvalidSscc { .. } => Severity::Note,
            EdiError::UnexpectedSegment { at, .. } if at.segment_in_message.is_none() => {
                Severity::Note
            }
            _ => Severity::Reject,
        }
    }

    /// The error is about one segment inside a transaction set (an AK3/IK3/UCS entry).
    pub fn is_segment_level(&self) -> bool {
        self.position().segment_in_message.is_some() && self.transaction_code().is_none()
    }

    /// TA105 interchange note code, for interchange-level errors.
    pub fn ta1_note_code(&self) -> &'static str {
        match self {
            EdiError::ControlNumberMismatch { .. } => "001",
            EdiError::IsaFieldWidth { element, .. } => isa_field_code(u16::from(*element)),
            EdiError::ForbiddenCharacter { at, .. } if at.tag == Some(Tag::new(b"ISA")) => {
                isa_field_code(at.element.unwrap_or_default())
            }
            EdiError::InvalidDelimiters { reason, .. } if reason.contains("component") => "027",
            EdiError::InvalidDelimiters { reason, .. } if reason.contains("terminator") => "004",
            EdiError::InvalidDelimiters { .. } => "026",
            EdiError::InvalidEnvelopeField { field, .. } => match field.as_str() {
                "ISA01" => "010",
                "ISA02" => "011",
                "ISA03" => "012",
                "ISA04" => "013",
                "ISA05" => "005",
                "ISA06" => "006",
                "ISA07" => "007",
                "ISA08" => "008",
                "ISA09" => "014",
                "ISA10" => "015",
                "ISA11" => "016",
                "ISA12" => "017",
                "ISA13" => "018",
                "ISA14" => "019",
                "ISA15" => "020",
                "IEA01" => "021",
                _ => "024",
            },
            EdiError::CountMismatch { .. } => "021",
            EdiError::DuplicateControlNumber { .. } => "025",
            EdiError::MissingTrailer { .. } | EdiError::Truncated { .. } => "023",
            _ => "022",
        }
    }

    /// AK905 functional group error code, for group-level errors.
    pub fn group_code(&self) -> &'static str {
        match self {
            EdiError::MissingTrailer { .. } | EdiError::Truncated { .. } => "3",
            EdiError::ControlNumberMismatch { .. } => "4",
            EdiError::CountMismatch { .. } => "5",
            EdiError::InvalidEnvelopeField { .. } | EdiError::DuplicateControlNumber { .. } => "6",
            _ => "1",
        }
    }

    /// AK502/IK502 transaction set error code, when the error concerns the set as a whole.
    pub fn transaction_code(&self) -> Option<&'static str> {
        Some(match self {
            EdiError::UnsupportedTransaction { .. } => "1",
            EdiError::MissingTrailer { .. } | EdiError::Truncated { .. } => "2",
            EdiError::ControlNumberMismatch { .. } => "3",
            EdiError::CountMismatch { .. } => "4",
            EdiError::InvalidEnvelopeField { field, .. } if field.ends_with("01") => "6",
            EdiError::InvalidEnvelopeField { .. } => "7",
            EdiError::DuplicateControlNumber { .. } => "23",
            EdiError::TransactionTooLarge { .. } | EdiError::SegmentTooLong { .. } => "5",
            _ => return None,
        })
    }

    /// AK304 (997) or IK304 (999) segment syntax error code.
    pub fn segment_code(&self) -> &'static str {
        match self {
            EdiError::InvalidSegmentTag { .. } => "1",
            EdiError::UnknownSegment { .. } => "2",
            EdiError::UnexpectedSegment { .. } => "7",
            EdiError::MissingSegment { .. } => "3",
            _ => "8",
        }
    }

    /// AK403/IK403 data element error code, for element-level errors.
    pub fn element_code(&self) -> Option<&'static str> {
        Some(match self {
            EdiError::MissingElement { .. } => "1",
            EdiError::ElementTooLong { .. } | EdiError::LargeElement { .. } => "5",
            EdiError::BinaryLength {
                declared, found, ..
            } => {
                if declared > found {
                    "4"
                } else {
                    "5"
                }
            }
            EdiError::InvalidNumber { .. }
            | EdiError::InvalidCharacter { .. }
            | EdiError::ForbiddenCharacter { .. } => "6",
            EdiError::InvalidCode { .. } | EdiError::InvalidSscc { .. } => "7",
            EdiError::InvalidDate { .. } => "8",
            EdiError::InvalidTime { .. } => "9",
            _ => return None,
        })
    }

    /// The offending value, when the error carries one (AK404 copies it).
    pub fn bad_value(&self) -> Option<&str> {
        match self {
            EdiError::InvalidNumber { value, .. }
            | EdiError::InvalidDate { value, .. }
            | EdiError::InvalidTime { value, .. }
            | EdiError::InvalidCode { value, .. }
            | EdiError::InvalidSscc { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The segment an AK3/IK3 names: the missing one for [`EdiError::MissingSegment`], else the
    /// segment where the error is.
    pub fn segment_id(&self) -> Option<String> {
        match self {
            EdiError::MissingSegment { tag, .. } => {
                let end = tag
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(tag.len());
                Some(tag[..end].to_owned())
            }
            _ => self.position().tag.map(|t| t.as_str()),
        }
    }

    /// EDIFACT CONTRL syntax error code (data element 0085).
    pub fn contrl_code(&self) -> &'static str {
        match self {
            EdiError::MissingTrailer { .. }
            | EdiError::Truncated { .. }
            | EdiError::MissingSegment { .. }
            | EdiError::MissingElement { .. } => "13",
            EdiError::ControlNumberMismatch { .. } => "28",
            EdiError::CountMismatch { .. } => "29",
            EdiError::DuplicateControlNumber { .. } => "26",
            EdiError::UnexpectedSegment { .. } | EdiError::UnknownSegment { .. } => "15",
            EdiError::UnsupportedTransaction { .. } => "14",
            EdiError::InvalidCharacter { .. }
            | EdiError::ForbiddenCharacter { .. }
            | EdiError::NotEdi { .. } => "21",
            EdiError::InvalidEnvelopeField { field, .. } if field == "UNB01" => "2",
            EdiError::BinaryLength {
                declared, found, ..
            } if declared > found => "40",
            EdiError::ElementTooLong { .. }
            | EdiError::LargeElement { .. }
            | EdiError::BinaryLength { .. }
            | EdiError::SegmentTooLong { .. } => "39",
            EdiError::InvalidNumber { .. } => "37",
            EdiError::InvalidDelimiters { .. } | EdiError::MalformedUna { .. } => "22",
            _ => "12",
        }
    }
}

/// TA105 note code for a problem in ISA field `element`.
fn isa_field_code(element: u16) -> &'static str {
    match element {
        1 => "010",
        2 => "011",
        3 => "012",
        4 => "013",
        5 => "005",
        6 => "006",
        7 => "007",
        8 => "008",
        9 => "014",
        10 => "015",
        11 => "016",
        12 => "017",
        13 => "018",
        14 => "019",
        15 => "020",
        _ => "027",
    }
}
