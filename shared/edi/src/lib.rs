//! # gridlink-edi
//!
//! X12 and EDIFACT for gridlink: zero-copy tokenisers, envelope validation with positioned
//! errors, one canonical model for both syntaxes, acknowledgments (997, 999, TA1, CONTRL),
//! writers, and the `gridlink-edi` command-line tool. Field mappings, code tables and the
//! acknowledgment policy are in `docs/edi.md`.
//!
//! ## Public API
//! ```
//! use gridlink_edi::{AckKind, AckOptions, BusinessDocument, Syntax};
//!
//! let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/x12/850_purchase_order.x12")).unwrap();
//! assert_eq!(gridlink_edi::detect(&bytes), Some(Syntax::X12));
//!
//! // Envelope (ids with qualifiers, control numbers, version) and canonical documents.
//! let interchange = gridlink_edi::parse_interchange(&bytes).unwrap();
//! assert_eq!(interchange.header.sender.to_string(), "ZZ:BUYERCO");
//! let BusinessDocument::PurchaseOrder(po) = &interchange.documents[0] else { unreachable!() };
//! assert_eq!(interchange.documents[0].business_keys().po_number.as_deref(), Some(po.po_number.as_str()));
//!
//! // Every error with its position; the acknowledgment gridlink sends back.
//! let report = gridlink_edi::validate(&bytes);
//! assert!(!report.must_reject());
//! let options = AckOptions::for_syntax(Syntax::X12, 1, time::macros::datetime!(2024-01-15 10:45));
//! let ack = gridlink_edi::ack_for(&report, &options).unwrap();
//! assert!(ack.starts_with(b"ISA*00*"));
//! ```
//! - [`detect`], [`parse_interchange`] / [`parse_interchanges`], [`validate`] /
//!   [`validate_reader`], [`ack_for`] (bytes or a [`Report`]; `Err` only when no ISA/UNB says
//!   whom to answer), [`write_x12`] / [`write_edifact`] (and `_batch` forms).
//! - [`stream::StreamReader`] / [`stream::AsyncStreamReader`]: one interchange, group or
//!   transaction at a time from `Read` / `AsyncRead`, in bounded memory ([`stream::Limits`]).
//! - [`token::Segments`]: the raw zero-copy tokeniser.
//! - Amounts and quantities are `rust_decimal::Decimal`: exact, never `f64`.
//!
//! ## Kinds and the segments read
//! | kind ([`BusinessDocument`]) | X12 (GS01) | EDIFACT | segments read (others tolerated, unknown ones noted) |
//! |---|---|---|---|
//! | `PurchaseOrder` | 850 (PO) | ORDERS | BEG, CUR, DTM, N1/N3/N4, PO1, PID / BGM, DTM, CUX, NAD, LIN, PIA, IMD, QTY+21, PRI |
//! | `OrderAcknowledgment` | 855 (PR) | ORDRSP (also the answer to an ORDCHG) | BAK, N1…, PO1, ACK / BGM 231, DTM, RFF+ON/VN, NAD, LIN (1229), PIA, QTY+21/113/83, PRI, DTM |
//! | `ShipNotice` | 856 (SH) | DESADV | BSN, DTM, TD5, REF, N1…, HL, PRF, MAN, LIN, SN1 / BGM, DTM, RFF, NAD, TDT, CPS, GIN+BJ, LIN, PIA, QTY+12, RFF+ON |
//! | `Invoice` | 810 (IN) | INVOIC | BIG, CUR, N1…, IT1, PID, TDS, TXI, SAC / BGM, DTM, RFF+ON, NAD, CUX, ALC+MOA, LIN, PIA, IMD, QTY+47, PRI, MOA |
//! | `FunctionalAck` | 997, 999 (FA) | CONTRL | AK1…AK9 / IK3…IK5 / UCI, UCF, UCM, UCS, UCD |
//! | `ShipmentStatus` | 214 (QM) | IFTSTA | B10, L11, G62, AT7, MS1 / BGM, NAD+CA, RFF, CNI, STS, DTM+334, LOC |
//! | `PurchaseOrderChange` | 860 (PC) | ORDCHG | BCH (01 purpose, 02 order type, 03 PO, 05 change sequence, 06 PO date, 11 change date), DTM*002, N1/N3/N4, POC (01 line, 02 change type `AI`/`DI`/`CA`/`PC`/`QI`/`QD`/`PQ`/`RS`, 03 quantity, 04 left to receive, 05 unit, 06 price, 08… product ids), DTM*002 per line / BGM 230 (1004 change number, 1225 purpose), DTM+137/+2, RFF+ON + DTM+171, NAD, LIN (1229 change indicator `1` added, `2` deleted, `3` changed), PIA, QTY+21/+113, PRI+AAA, DTM+2 per line |
//! | `PurchaseOrderChangeAck` | 865 (CA) | — (EDIFACT answers with an ORDRSP) | BCA (01 purpose, 02 ack type, 03 PO, 05 change sequence, 06 PO date, 09 seller order, 10 ack date, 11 change date), N1…, POC as in the 860, DTM*002, ACK (01 line status, 02/03 quantity, 04/05 date) |
//!
//! The code tables of the change kinds are on [`ChangePurpose`] and [`LineChange`]. A buyer sends
//! a change with [`write_order_change`] in the partner's syntax; the supplier's answer arrives as
//! [`BusinessDocument::PurchaseOrderChangeAck`] (865) or [`BusinessDocument::OrderAcknowledgment`]
//! (ORDRSP), and [`ack_for`] answers either with a 997 or a CONTRL. A supplier (or a simulator)
//! builds its answer with [`PurchaseOrderChange::answer_x12`] / [`PurchaseOrderChange::answer_edifact`].
//!
//! ## Layout
//! - [`syntax`]: [`Syntax`], [`Delimiters`], [`detect`].
//! - [`token`]: segments, elements, components, repetitions; the ISA and UNA readers.
//! - `walk`: the envelope state machine shared by the slice and stream readers.
//! - [`stream`]: slice, blocking and async readers; [`stream::Item`], [`stream::Transaction`].
//! - [`envelope`]: interchange, group and transaction headers, [`PartyId`].
//! - [`charset`]: which bytes may stand in a data element; the EDIFACT syntax identifiers.
//! - `dictionary`: element maxima and known versions (for warnings).
//! - [`error`]: [`EdiError`] with [`Position`], severities (reject, note, warning), and the TA1, AK3/AK4/AK5/AK9,
//!   IK3/IK4/IK5 and CONTRL codes each error maps to.
//! - [`model`]: the canonical documents and their code lists.
//! - `read`: typed readers, one per message per syntax.
//! - [`mod@write`]: X12 and EDIFACT writers. [`ack`]: 997/999/TA1 and CONTRL from a [`Report`].
//! - [`report`]: [`Report`] and [`validate`]. [`interchange`]: [`Interchange`].
//! - [`sample`]: deterministic sample documents for demos, benchmarks and load tests.
//! - `main.rs`: the `gridlink-edi` tool (`check`, `ack`, `json`).
//!
//! ## Why the core is written by hand
//! Measured against the crates listed in the reference (§6.2) on the same generated batches;
//! figures in `docs/benchmarks.md`:
//! - `x12-types` 0.12 (nom, typed per version): 3.3 MiB/s for a typed 850 batch against 75 MiB/s
//!   here; no validation of envelopes or counts ("no validation attached to the structs"), no
//!   positions to build AK3/AK4 from, no streaming, one Rust type per version and set, no EDIFACT.
//! - `edi` 0.4 (sezna): 55 MiB/s into a generic X12 tree (the walker here: 363 MiB/s with count
//!   and control-number checks); work in progress, panics on malformed input by its own roadmap,
//!   no loops.
//! - `edifact-rs` 0.18: a good zero-copy EDIFACT tokeniser, 49 MiB/s against 985 MiB/s here;
//!   EDIFACT only, so the X12 half would still be needed, with two error and position models to
//!   map onto one acknowledgment writer.
//! - `edifact-types`: logistics messages only (no ORDERS/INVOIC/DESADV); not measured.
//!
//! None gives one model for both syntaxes with acknowledgment codes, so the tokenisers (a few
//! hundred lines over `memchr`) and the readers are gridlink's own.

pub mod ack;
pub mod charset;
mod dictionary;
pub mod envelope;
pub mod error;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod interchange;
pub mod model;
mod read;
pub mod report;
pub mod sample;
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
pub use report::{Report, Verdict, validate, validate_reader, validate_reader_keeping};
pub use syntax::{Delimiters, Syntax, detect};
pub use write::{EnvelopeParams, WriteError};

/// Writes a buyer's purchase order change in the partner's syntax: an X12 860 (functional group
/// `PC`, version 004010) or an EDIFACT ORDCHG (D.96A), in one interchange with the control
/// numbers of `params`.
pub fn write_order_change(
    change: &PurchaseOrderChange,
    syntax: Syntax,
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    let document = BusinessDocument::PurchaseOrderChange(change.clone());
    match syntax {
        Syntax::X12 => write_x12(&document, params),
        Syntax::Edifact => write_edifact(&document, params),
    }
}

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
