//! What the envelopes say: interchange, group and transaction headers.

use serde::{Deserialize, Serialize};

use crate::syntax::Syntax;

/// A trading partner's identity in an envelope: qualifier and id (`ZZ:BUYERCO`, `14:4012345000009`).
///
/// # Format
/// X12: ISA05/ISA06 (sender) and ISA07/ISA08 (receiver), the ids space-padded to 15 characters
/// (stored trimmed). EDIFACT: UNB S002/S003, `id:qualifier`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartyId {
    /// Id qualifier: X12 `ZZ`, `01` (DUNS), `08` (UCC), `12` (phone), `14`; EDIFACT 0007 `14` (GLN), `ZZZ`….
    pub qualifier: String,
    /// The id itself, without padding.
    pub id: String,
}

impl PartyId {
    /// Builds a party id from a qualifier and an id.
    pub fn new(qualifier: impl Into<String>, id: impl Into<String>) -> PartyId {
        PartyId {
            qualifier: qualifier.into(),
            id: id.into(),
        }
    }
}

impl std::fmt::Display for PartyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.qualifier, self.id)
    }
}

/// The interchange header (ISA or UNB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterchangeHeader {
    /// The syntax of the interchange.
    pub syntax: Syntax,
    /// Who sent it (ISA05/06, UNB S002).
    pub sender: PartyId,
    /// Who it is for (ISA07/08, UNB S003).
    pub receiver: PartyId,
    /// ISA13 or UNB 0020.
    pub control_number: String,
    /// X12: ISA12 (`00401`, `00501`); EDIFACT: the syntax identifier and version (`UNOC:3`).
    pub version: String,
    /// ISA09 (YYMMDD) or UNB S004 date (YYMMDD or CCYYMMDD).
    pub date: String,
    /// ISA10 or UNB S004 time (HHMM).
    pub time: String,
    /// ISA15 = `T`, or UNB 0035 = `1`.
    pub test: bool,
    /// ISA14 = `1`, or UNB 0031 = `1`.
    pub ack_requested: bool,
    /// Byte offset of the header in the input.
    pub offset: u64,
}

/// The functional group header (GS or UNG).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupHeader {
    /// GS01 (`PO`, `PR`, `SH`, `IN`, `FA`, `QM`) or UNG 0038 (the message type).
    pub functional_id: String,
    /// GS02 or UNG S006.
    pub application_sender: String,
    /// GS03 or UNG S007.
    pub application_receiver: String,
    /// GS04 (CCYYMMDD) or UNG date.
    pub date: String,
    /// GS05 or UNG time.
    pub time: String,
    /// GS06 or UNG 0048.
    pub control_number: String,
    /// GS08 (`004010`, `005010X231A1`) or UNG S008 (`D:96A`).
    pub version: String,
    /// Byte offset of the header in the input.
    pub offset: u64,
}

/// The transaction set or message header (ST or UNH).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionHeader {
    /// ST01 (`850`) or UNH S009 message type (`ORDERS`).
    pub set_id: String,
    /// ST02 or UNH 0062.
    pub control_number: String,
    /// ST03 (implementation convention) or UNH S009 version:release:agency(:association).
    pub version: Option<String>,
    /// Byte offset of the header in the input.
    pub offset: u64,
}
