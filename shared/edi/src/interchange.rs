//! Parsing whole interchanges into canonical documents.

use serde::{Deserialize, Serialize};

use crate::envelope::{GroupHeader, InterchangeHeader, TransactionHeader};
use crate::error::{EdiError, Position, Severity};
use crate::model::BusinessDocument;
use crate::stream::{Item, SliceReader};

/// One interchange read into canonical documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interchange {
    /// Sender, receiver (with qualifiers), control number, version, date.
    pub header: InterchangeHeader,
    /// The functional groups, in order (EDIFACT interchanges without UNG have none).
    pub groups: Vec<GroupHeader>,
    /// The documents, in order.
    pub documents: Vec<BusinessDocument>,
    /// The ST/UNH header of each document (`transactions[i]` belongs to `documents[i]`).
    pub transactions: Vec<TransactionHeader>,
    /// Problems that did not prevent reading (unknown segments, bad SSCC check digits) and
    /// warnings (an element over its maximum, data after the last trailer…).
    pub notes: Vec<EdiError>,
}

/// Reads every interchange in `bytes`. Fails on the first error that rejects an interchange,
/// group or transaction; use [`crate::validate`] to list them all.
pub fn parse_interchanges(bytes: &[u8]) -> Result<Vec<Interchange>, EdiError> {
    let mut interchanges: Vec<Interchange> = Vec::new();
    let mut notes = Vec::new();
    let keep = |errors: &[EdiError], notes: &mut Vec<EdiError>| -> Result<(), EdiError> {
        for error in errors {
            if error.severity() == Severity::Reject {
                return Err(error.clone());
            }
            notes.push(error.clone());
        }
        Ok(())
    };
    for item in SliceReader::new(bytes) {
        match item {
            Item::InterchangeStart { header, errors, .. } => {
                keep(&errors, &mut notes)?;
                interchanges.push(Interchange {
                    header,
                    groups: Vec::new(),
                    documents: Vec::new(),
                    transactions: Vec::new(),
                    notes: Vec::new(),
                });
            }
            Item::GroupStart { header } => {
                if let (Some(header), Some(current)) = (header, interchanges.last_mut()) {
                    current.groups.push(header);
                }
            }
            Item::Transaction(transaction) => {
                keep(transaction.errors(), &mut notes)?;
                let (document, errors) = transaction.document();
                keep(&errors, &mut notes)?;
                if let (Some(document), Some(current)) = (document, interchanges.last_mut()) {
                    current.documents.push(document);
                    current.transactions.push(transaction.header().clone());
                }
            }
            Item::GroupEnd { errors } => keep(&errors, &mut notes)?,
            Item::InterchangeEnd { errors } => {
                keep(&errors, &mut notes)?;
                if let Some(current) = interchanges.last_mut() {
                    current.notes.append(&mut notes);
                }
            }
            Item::Stray(error) => keep(std::slice::from_ref(&error), &mut notes)?,
        }
    }
    let Some(last) = interchanges.last_mut() else {
        return Err(EdiError::NotEdi {
            at: Position::at_offset(0),
        });
    };
    last.notes.append(&mut notes);
    Ok(interchanges)
}

/// Reads the one interchange in `bytes` (a second interchange is an error).
pub fn parse_interchange(bytes: &[u8]) -> Result<Interchange, EdiError> {
    let mut all = parse_interchanges(bytes)?;
    if all.len() > 1 {
        let extra = &all[1].header;
        return Err(EdiError::UnexpectedSegment {
            at: Position::at_offset(extra.offset),
            tag: if extra.syntax == crate::syntax::Syntax::X12 {
                "ISA"
            } else {
                "UNB"
            }
            .to_owned(),
            reason: "a second interchange; use parse_interchanges for batches".to_owned(),
        });
    }
    Ok(all.remove(0))
}
