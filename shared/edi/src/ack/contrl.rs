//! CONTRL for one received EDIFACT interchange.

use crate::error::Severity;
use crate::model::{
    AckKind, AckStatus, BusinessDocument, FunctionalAck, GroupAck, InterchangeAck, TransactionAck,
};
use crate::report::{GroupReport, InterchangeReport};
use crate::syntax::Delimiters;
use crate::write::edifact::{write_header, write_message};
use crate::write::{EnvelopeParams, Out, WriteError, s};

use super::{AckOptions, segment_errors, transaction_status};

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
) -> Result<Vec<u8>, WriteError> {
    let header = &interchange.header;
    let params = EnvelopeParams {
        sender: options
            .sender
            .clone()
            .unwrap_or_else(|| header.receiver.clone()),
        receiver: header.sender.clone(),
        interchange_control_number: control_number,
        group_control_number: control_number,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: options.prepared_at,
        test: header.test,
    };
    let rejected = interchange
        .errors
        .iter()
        .any(|e| e.severity() == Severity::Reject);
    let uci = InterchangeAck {
        control_number: header.control_number.clone(),
        sender: header.sender.clone(),
        receiver: header.receiver.clone(),
        status: if rejected {
            AckStatus::Rejected
        } else {
            AckStatus::Accepted
        },
        error_code: interchange
            .errors
            .first()
            .map(|e| e.contrl_code().to_owned()),
    };
    let mut messages = Vec::new();
    let mut groups = Vec::new();
    for group in &interchange.groups {
        let acks = message_acks(group, rejected);
        match &group.header {
            None => messages.extend(acks),
            Some(h) => {
                let group_rejected = rejected
                    || group
                        .errors
                        .iter()
                        .any(|e| e.severity() == Severity::Reject);
                groups.push(GroupAck {
                    functional_id: h.functional_id.clone(),
                    control_number: h.control_number.clone(),
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

fn message_acks(group: &GroupReport, interchange_rejected: bool) -> Vec<TransactionAck> {
    group
        .transactions
        .iter()
        .map(|t| {
            let status = if interchange_rejected {
                AckStatus::Rejected
            } else {
                transaction_status(t)
            };
            TransactionAck {
                set_id: t.header.set_id.clone(),
                control_number: t.header.control_number.clone(),
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
