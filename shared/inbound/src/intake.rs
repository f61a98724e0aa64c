//! EDI intake, the one way an interchange comes in: detect the syntax, validate the envelope,
//! answer a malformed interchange with a **rejecting** 997 / CONTRL (nothing filed), parse the
//! rest into canonical documents. The caller files what it takes, then acknowledges the
//! accepted interchange ([`Accepted::acknowledge`]).

use gridlink_edi::{Interchange, Report, Syntax};
use gridlink_flow::Platform;
use serde_json::{Value, json};

use crate::acks::acknowledge;
use crate::error::InboundError;
use crate::received::ReceivedDocument;

/// An interchange that passed validation and parsed.
#[derive(Debug)]
pub struct Accepted {
    /// X12 or EDIFACT.
    pub syntax: Syntax,
    /// The validation report (warnings included), what the acknowledgment is built from.
    pub report: Report,
    /// The interchanges with their canonical documents.
    pub interchanges: Vec<Interchange>,
}

impl Accepted {
    /// Sends the positive 997 / CONTRL (once per interchange).
    pub async fn acknowledge(
        &self,
        platform: &Platform,
        received: &ReceivedDocument,
    ) -> Result<Value, InboundError> {
        Ok(json!(
            acknowledge(platform, received, self.syntax, &self.report).await?
        ))
    }

    /// `X12` or `EDIFACT`.
    pub fn syntax_name(&self) -> &'static str {
        syntax_name(self.syntax)
    }
}

/// What intake made of a received document.
#[derive(Debug)]
pub enum Intake {
    /// Malformed: rejected with a negative acknowledgment; this is the outcome to record.
    Rejected(Value),
    /// Valid and parsed.
    Accepted(Accepted),
}

/// `X12` or `EDIFACT`.
pub fn syntax_name(syntax: Syntax) -> &'static str {
    match syntax {
        Syntax::X12 => "X12",
        Syntax::Edifact => "EDIFACT",
    }
}

/// Takes an EDI document in (see the module docs). Content that is neither X12 nor EDIFACT
/// is unprocessable: nothing can be acknowledged or filed.
#[tracing::instrument(skip_all, fields(document_id = %received.document.document_id.as_str()))]
pub async fn intake(
    platform: &Platform,
    received: &ReceivedDocument,
    event_id: &str,
) -> Result<Intake, InboundError> {
    let bytes = received.bytes(platform).await?;
    let Some(syntax) = gridlink_edi::detect(&bytes) else {
        return Err(InboundError::UnreadableEvent {
            event_id: event_id.to_owned(),
            reason: "payload is neither X12 nor EDIFACT; nothing to acknowledge or file".into(),
        });
    };
    let report = gridlink_edi::validate(&bytes);
    if report.must_reject() {
        let ack = acknowledge(platform, received, syntax, &report).await?;
        tracing::warn!("malformed interchange rejected; nothing filed");
        return Ok(Intake::Rejected(json!({"rejected": true, "ack": ack})));
    }
    match gridlink_edi::parse_interchanges(&bytes) {
        Ok(interchanges) => Ok(Intake::Accepted(Accepted {
            syntax,
            report,
            interchanges,
        })),
        Err(error) => {
            let ack = acknowledge(platform, received, syntax, &report).await?;
            tracing::warn!(error = %error, "interchange does not parse; acknowledged, nothing filed");
            Ok(Intake::Rejected(
                json!({"rejected": true, "reason": error.to_string(), "ack": ack}),
            ))
        }
    }
}
