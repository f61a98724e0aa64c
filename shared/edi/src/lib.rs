//! # gridlink-edi
//!
//! X12 and EDIFACT for gridlink: tokenisers, envelope validation, one canonical model for both
//! syntaxes, acknowledgments and writers. See `docs/edi.md` for the field mappings.

pub mod ack;
pub mod envelope;
pub mod error;
pub mod interchange;
pub mod model;
mod read;
pub mod report;
pub mod stream;
pub mod syntax;
pub mod token;
mod walk;
pub mod write;

pub use ack::{AckError, AckInput, AckOptions, ack_for};
pub use envelope::{GroupHeader, InterchangeHeader, PartyId, TransactionHeader};
pub use error::{EdiError, Level, Position, Severity, Tag};
pub use interchange::{Interchange, parse_interchange, parse_interchanges};
pub use model::*;
pub use read::sscc_is_valid;
pub use report::{Report, validate, validate_reader, validate_reader_keeping};
pub use syntax::{Delimiters, Syntax, detect};
pub use write::{EnvelopeParams, WriteError};

/// Writes `document` as one X12 interchange (ISA/GS/ST…SE/GE/IEA), version 004010 (005010 for
/// a 999).
pub fn write_x12(
    document: &BusinessDocument,
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    write::x12::write_documents(std::slice::from_ref(document), params)
}

/// Writes several documents as one X12 interchange, one GS group per run of the same kind.
pub fn write_x12_batch(
    documents: &[BusinessDocument],
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    write::x12::write_documents(documents, params)
}

/// Writes `document` as one EDIFACT interchange (UNA, UNB, UNH…UNT, UNZ), directory D.96A.
pub fn write_edifact(
    document: &BusinessDocument,
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    write::edifact::write_documents(std::slice::from_ref(document), params)
}

/// Writes several documents as messages of one EDIFACT interchange.
pub fn write_edifact_batch(
    documents: &[BusinessDocument],
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    write::edifact::write_documents(documents, params)
}
