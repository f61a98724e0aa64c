//! Acknowledgments gridlink sends back for a received interchange: X12 997 or 999 (with a TA1
//! when the interchange itself is faulty or a TA1 was requested) and EDIFACT CONTRL.
//!
//! The acknowledgment is built from a validation [`Report`]: accepted (`A` / `7`), accepted with
//! errors (`E`; CONTRL `7` with the errors listed) or rejected (`R` / `4`), with one AK3/IK3/UCS
//! per faulty segment and one AK4/IK4/UCD per faulty element, each at its position.

mod contrl;
mod x12;

use serde::{Deserialize, Serialize};

use crate::envelope::PartyId;
use crate::error::Severity;
use crate::model::{AckKind, AckStatus, ElementError, SegmentError};
use crate::report::{Report, TransactionReport, validate};
use crate::syntax::Syntax;
use crate::write::WriteError;

/// What to acknowledge: raw bytes (validated first) or an existing report.
#[derive(Debug, Clone, Copy)]
pub enum AckInput<'a> {
    Bytes(&'a [u8]),
    Report(&'a Report),
}

impl<'a> From<&'a [u8]> for AckInput<'a> {
    fn from(bytes: &'a [u8]) -> AckInput<'a> {
        AckInput::Bytes(bytes)
    }
}

impl<'a> From<&'a Vec<u8>> for AckInput<'a> {
    fn from(bytes: &'a Vec<u8>) -> AckInput<'a> {
        AckInput::Bytes(bytes)
    }
}

impl<'a> From<&'a Report> for AckInput<'a> {
    fn from(report: &'a Report) -> AckInput<'a> {
        AckInput::Report(report)
    }
}

/// How gridlink writes its acknowledgment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckOptions {
    /// 997 or 999 for X12, CONTRL for EDIFACT.
    pub kind: AckKind,
    /// Our ISA13 / UNB 0020 (and GS06); the n-th acknowledged interchange uses `control_number + n`.
    pub control_number: u32,
    /// Our id; the received interchange's receiver when `None`.
    pub sender: Option<PartyId>,
    /// Envelope date and time.
    pub prepared_at: time::PrimitiveDateTime,
}

impl AckOptions {
    /// The natural acknowledgment for `syntax` (997 or CONTRL).
    pub fn for_syntax(
        syntax: Syntax,
        control_number: u32,
        prepared_at: time::PrimitiveDateTime,
    ) -> AckOptions {
        AckOptions {
            kind: match syntax {
                Syntax::X12 => AckKind::Ack997,
                Syntax::Edifact => AckKind::Contrl,
            },
            control_number,
            sender: None,
            prepared_at,
        }
    }
}

/// Why no acknowledgment could be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// Nothing in the input says who sent it (no readable ISA or UNB), so there is no one to answer.
    #[error("no readable interchange header: the acknowledgment cannot be addressed")]
    Unaddressable,
    /// A 997/999 for EDIFACT or a CONTRL for X12.
    #[error("a {kind:?} cannot acknowledge a {syntax} interchange")]
    KindMismatch { kind: AckKind, syntax: Syntax },
    /// Writing failed (an id too long for the ISA, a delimiter inside a value).
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The acknowledgment(s) for every interchange in the input, concatenated.
pub fn ack_for<'a>(
    input: impl Into<AckInput<'a>>,
    options: &AckOptions,
) -> Result<Vec<u8>, AckError> {
    let owned;
    let report = match input.into() {
        AckInput::Bytes(bytes) => {
            owned = validate(bytes);
            &owned
        }
        AckInput::Report(report) => report,
    };
    if report.interchanges.is_empty() {
        return Err(AckError::Unaddressable);
    }
    let outside = report.rejects_every_interchange().then(|| {
        report
            .rejected_outside_interchanges()
            .map_or(OUTSIDE_DEFAULT, |e| OutsideRejection {
                ta1_note_code: e.ta1_note_code(),
                contrl_code: e.contrl_code(),
            })
    });
    let mut out = Vec::new();
    for (n, interchange) in report.interchanges.iter().enumerate() {
        let control_number = options
            .control_number
            .wrapping_add(u32::try_from(n).unwrap_or(u32::MAX));
        let syntax = interchange.header.syntax;
        match (syntax, options.kind) {
            (Syntax::X12, AckKind::Ack997 | AckKind::Ack999) => {
                out.extend(x12::acknowledge(
                    interchange,
                    options,
                    control_number,
                    outside,
                )?);
            }
            (Syntax::Edifact, AckKind::Contrl) => {
                out.extend(contrl::acknowledge(
                    interchange,
                    options,
                    control_number,
                    outside,
                )?);
            }
            (syntax, kind) => return Err(AckError::KindMismatch { kind, syntax }),
        }
    }
    Ok(out)
}

/// A rejection of the whole file that no interchange's own errors explain (see
/// [`Report::rejects_every_interchange`]): every interchange is acknowledged as rejected, with
/// these codes when it has no error of its own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutsideRejection {
    pub ta1_note_code: &'static str,
    pub contrl_code: &'static str,
}

/// Errors beyond the kept maximum: "invalid interchange content" / "unspecified error".
const OUTSIDE_DEFAULT: OutsideRejection = OutsideRejection {
    ta1_note_code: "024",
    contrl_code: "18",
};

/// A received value as the acknowledgment echoes it: without the control characters that
/// may have made the received file fail (an acknowledgment must itself be clean).
pub(crate) fn echo(value: &str) -> String {
    value.chars().filter(|c| !c.is_ascii_control()).collect()
}

/// A received party id as the acknowledgment echoes it.
pub(crate) fn echo_party(party: &PartyId) -> PartyId {
    PartyId::new(echo(&party.qualifier), echo(&party.id))
}

/// A/E/R for one transaction from its errors.
pub(crate) fn transaction_status(report: &TransactionReport) -> AckStatus {
    if report
        .errors
        .iter()
        .any(|e| e.severity() == Severity::Reject)
    {
        AckStatus::Rejected
    } else if report
        .errors
        .iter()
        .all(|e| e.severity() == Severity::Warning)
    {
        AckStatus::Accepted
    } else {
        AckStatus::AcceptedWithErrors
    }
}

/// Segment and element errors of one transaction, one entry per faulty segment, in order.
pub(crate) fn segment_errors(report: &TransactionReport, contrl: bool) -> Vec<SegmentError> {
    let mut out: Vec<SegmentError> = Vec::new();
    for error in &report.errors {
        if error.transaction_code().is_some() || error.severity() == Severity::Warning {
            continue;
        }
        let at = error.position();
        let Some(position) = at.segment_in_message else {
            continue;
        };
        let element_code = error.element_code();
        let segment_id = error.segment_id();
        let reuse = out.last().is_some_and(|last| {
            last.position == position && last.segment_id == segment_id && element_code.is_some()
        });
        if !reuse {
            out.push(SegmentError {
                segment_id,
                position,
                code: Some(
                    if contrl {
                        error.contrl_code()
                    } else {
                        error.segment_code()
                    }
                    .to_owned(),
                ),
                element_errors: Vec::new(),
            });
        }
        if let (Some(code), Some(element)) = (element_code, at.element)
            && let Some(last) = out.last_mut()
        {
            last.element_errors.push(ElementError {
                position: element,
                component: at.component,
                code: if contrl { error.contrl_code() } else { code }.to_owned(),
                bad_value: error
                    .bad_value()
                    .map(|v| echo(v).chars().take(99).collect()),
            });
        }
    }
    out
}
