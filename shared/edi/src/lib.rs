//! # gridlink-edi
//!
//! X12 and EDIFACT for gridlink: tokenisers, envelope validation, one canonical model for both
//! syntaxes, acknowledgments and writers. See `docs/edi.md` for the field mappings.

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

pub use envelope::{GroupHeader, InterchangeHeader, PartyId, TransactionHeader};
pub use error::{EdiError, Level, Position, Severity, Tag};
pub use interchange::{Interchange, parse_interchange, parse_interchanges};
pub use model::*;
pub use read::sscc_is_valid;
pub use report::{Report, validate, validate_reader};
pub use syntax::{Delimiters, Syntax, detect};
