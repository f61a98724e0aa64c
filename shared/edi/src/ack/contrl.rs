//! CONTRL for one received EDIFACT interchange.

use crate::error::Severity;
use crate::model::{
    AckKind, AckStatus, BusinessDocument, FunctionalAck, GroupAck, InterchangeAck, TransactionAck,
};
use crate::report::{GroupReport, InterchangeReport};
use crate::syntax::Delimiters;
use crate::write::edifact::{write_header, write_message};
use crate::write::{EnvelopeParams, Out, WriteError, s};

use super::{AckOptions, OutsideRejection, echo, echo_party, segment_errors, transaction_status};

/// # Format
/// ```text
/// UNA:+.? ' UNB+UNOC:3+{our id}:{q}+{their id}:{q}+{date}:{time}+{our ref}'
/// UNH+1+CONTRL:D:3:UN' UCI+{their ref}+{their id}:{q}+{our id}:{q}+{7|4}+{error}'
/// UCM+{message ref}+{type}:D:96A:UN+{7|4}+{error}' UCS+{segment position}+{error}'
/// UCD+{error}+{element}:{component}' UNT+n+1' UNZ+1+{our ref}'
/// ```
pub(crate) fn acknowledge(
    interchange: &InterchangeReport,
    options: &AckOptions,
    control_number: u32,
    outside: Option<OutsideRejection>,
) -> Result<Vec<u8>, WriteError> {
    let header = &interchange.header;
    let params = EnvelopeParams {
        sender: options
            .sender
            .clone()
            .unwrap_or_else(|| echo_party(&header.receiver)),
        receiver: echo_party(&header.sender),
        interchange_control_number: control_number,
        group_control_number: control_number,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: options.prepared_at,
        test: header.test,
    };
    let rejected = outside.is_some() || interchange.is_rejected();
    let uci = InterchangeAck {
        control_number: echo(&header.control_number),
        sender: echo_party(&header.sender),
        receiver: echo_party(&header.receiver),
        status: if rejected {
            AckStatus::Rejected
        } else {
            AckStatus::Accepted
        },
        error_code: interchange
            .errors
            .first()
            .map(crate::EdiError::contrl_code)
            .or(outside.map(|o| o.contrl_code))
            .map(str::to_owned),
    };
    let mut messages = Vec::new();
    let mut groups = Vec::new();
    for group in &interchange.groups {
        let group_rejected = rejected
            || group
                .errors
                .iter()
                .any(|e| e.severity() == Severity::Reject);
        let acks = message_acks(group, group_rejected);
        match &group.header {
            None => messages.extend(acks),
            Some(h) => {
                groups.push(GroupAck {
                    functional_id: echo(&h.functional_id),
                    control_number: echo(&h.control_number),
                    version: None,
                    status: if group_rejected {
                        AckStatus::Rejected
                    } else {
                        AckStatus::Accepted
                    },
                    error_codes: group
                        .errors
                        .iter()
                        .map(|e| e.contrl_code().to_owned())
                        .take(1)
                        .collect(),
                    sets_included: None,
                    sets_received: None,
                    sets_accepted: None,
                    transactions: acks,
                });
            }
        }
    }
    let ack = FunctionalAck {
        kind: AckKind::Contrl,
        interchange: Some(uci),
        groups,
        messages,
    };
    let mut out = Out::new(Delimiters::EDIFACT_DEFAULT, true);
    write_header(&mut out, &params)?;
    write_message(&mut out, &BusinessDocument::FunctionalAck(ack), "1")?;
    out.segment("UNZ", &[s("1"), s(&control_number.to_string())])?;
    Ok(out.bytes)
}

fn message_acks(group: &GroupReport, enclosing_rejected: bool) -> Vec<TransactionAck> {
    group
        .transactions
        .iter()
        .map(|t| {
            let status = if enclosing_rejected {
                AckStatus::Rejected
            } else {
                transaction_status(t)
            };
            TransactionAck {
                set_id: echo(&t.header.set_id),
                control_number: echo(&t.header.control_number),
                status,
                error_codes: t
                    .errors
                    .iter()
                    .find(|e| e.transaction_code().is_some())
                    .map(|e| e.contrl_code().to_owned())
                    .into_iter()
                    .collect(),
                segment_errors: segment_errors(t, true),
            }
        })
        .collect()
}
