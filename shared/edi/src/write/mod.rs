//! Writers: canonical documents to X12 or EDIFACT interchanges with correct envelopes, counts,
//! padding and control numbers.

pub(crate) mod edifact;
pub(crate) mod x12;

use serde::{Deserialize, Serialize};

use crate::envelope::PartyId;
use crate::syntax::Delimiters;

/// Why a document could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// X12 has no escape character: a value must not contain a delimiter.
    #[error("value {value:?} contains the delimiter {delimiter:?}, which X12 cannot escape")]
    DelimiterInValue { value: String, delimiter: char },
    /// A fixed-width envelope field would overflow.
    #[error("{field} {value:?} is longer than {max} characters")]
    TooLong {
        field: &'static str,
        value: String,
        max: usize,
    },
    /// An amount that X12 type N2 (TDS01) cannot carry exactly.
    #[error("amount {value} has more than two decimals or does not fit TDS01")]
    AmountNotRepresentable { value: String },
    /// The document kind has no writer in this syntax.
    #[error("{kind} cannot be written as {syntax}")]
    Unsupported {
        kind: &'static str,
        syntax: &'static str,
    },
}

/// Who sends, who receives, which control numbers and when: everything an envelope needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeParams {
    /// ISA05/06 or UNB S002.
    pub sender: PartyId,
    /// ISA07/08 or UNB S003.
    pub receiver: PartyId,
    /// ISA13 (written as nine digits) or UNB 0020.
    pub interchange_control_number: u32,
    /// GS06 (EDIFACT writes no UNG).
    pub group_control_number: u32,
    /// ST02 (at least four digits) / UNH 0062 of the first document; later ones count up.
    pub first_transaction_control_number: u32,
    /// GS02 / GS03; the ids when `None`.
    pub application_sender: Option<String>,
    pub application_receiver: Option<String>,
    /// ISA09/10, GS04/05, UNB S004.
    pub prepared_at: time::PrimitiveDateTime,
    /// ISA15 `T` / UNB 0035 `1`.
    pub test: bool,
}

/// One element of a segment being written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    Simple(&'a str),
    Composite(&'a [&'a str]),
}

/// Shorthand for a simple element.
pub(crate) fn s(value: &str) -> Field<'_> {
    Field::Simple(value)
}

/// Builds segments into a byte buffer.
#[derive(Debug)]
pub(crate) struct Out {
    pub bytes: Vec<u8>,
    delimiters: Delimiters,
    /// Segments written since the last [`Out::start_count`].
    pub counted: u32,
    newline: bool,
}

impl Out {
    pub fn new(delimiters: Delimiters, newline: bool) -> Out {
        Out {
            bytes: Vec::with_capacity(4096),
            delimiters,
            counted: 0,
            newline,
        }
    }

    pub fn start_count(&mut self) {
        self.counted = 0;
    }

    /// Writes raw bytes (the UNA, a pre-padded ISA).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// Writes one segment; trailing empty elements and components are dropped.
    pub fn segment(&mut self, tag: &str, fields: &[Field<'_>]) -> Result<(), WriteError> {
        self.bytes.extend_from_slice(tag.as_bytes());
        let used = fields
            .iter()
            .rposition(|f| !is_empty(f))
            .map_or(0, |i| i + 1);
        for field in &fields[..used] {
            self.bytes.push(self.delimiters.element);
            match field {
                Field::Simple(value) => self.value(value)?,
                Field::Composite(parts) => {
                    let parts_used = parts
                        .iter()
                        .rposition(|p| !p.is_empty())
                        .map_or(0, |i| i + 1);
                    for (i, part) in parts[..parts_used].iter().enumerate() {
                        if i > 0 {
                            self.bytes.push(self.delimiters.component);
                        }
                        self.value(part)?;
                    }
                }
            }
        }
        self.bytes.push(self.delimiters.segment);
        if self.newline {
            self.bytes.push(b'\n');
        }
        self.counted += 1;
        Ok(())
    }

    fn value(&mut self, value: &str) -> Result<(), WriteError> {
        let d = self.delimiters;
        let mut specials = vec![d.element, d.component, d.segment];
        specials.extend(d.repetition);
        if let Some(release) = d.release {
            specials.push(release);
            for &b in value.as_bytes() {
                if specials.contains(&b) {
                    self.bytes.push(release);
                }
                self.bytes.push(b);
            }
        } else {
            if let Some(&bad) = value.as_bytes().iter().find(|b| specials.contains(b)) {
                return Err(WriteError::DelimiterInValue {
                    value: value.to_owned(),
                    delimiter: char::from(bad),
                });
            }
            self.bytes.extend_from_slice(value.as_bytes());
        }
        Ok(())
    }
}

fn is_empty(field: &Field<'_>) -> bool {
    match field {
        Field::Simple(value) => value.is_empty(),
        Field::Composite(parts) => parts.iter().all(|p| p.is_empty()),
    }
}

/// `Option<String>` as `&str` (empty when absent).
#[expect(
    clippy::ref_option,
    reason = "called as opt(&field) on the many optional fields of the model"
)]
pub(crate) fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// Formats a decimal without trailing zeros beyond what it carries (`12.50` stays `12.50`).
pub(crate) fn num(value: &rust_decimal::Decimal) -> String {
    value.to_string()
}
