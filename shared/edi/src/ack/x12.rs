//! 997 / 999 (and TA1) for one received X12 interchange.

use crate::error::Severity;
use crate::model::{AckKind, AckStatus, BusinessDocument, FunctionalAck, GroupAck, TransactionAck};
use crate::report::{GroupReport, InterchangeReport};
use crate::write::x12::{V4010, V5010_999, delimiters, write_isa, write_transaction};
use crate::write::{EnvelopeParams, Out, WriteError, s};

use super::{AckOptions, OutsideRejection, echo, echo_party, segment_errors, transaction_status};

/// # Format
/// ```text
/// ISA*…*ZZ*ACMESUPPLY     *ZZ*BUYERCO        *…~
/// TA1*{their ISA13}*{ISA09}*{ISA10}*{A|E|R}*{TA105 note}~   (on interchange errors or ISA14=1)
/// GS*FA*…~ ST*997*0001~ AK1*PO*{GS06}~ AK2*850*{ST02}~ AK3*{seg}*{pos}**{code}~
/// AK4*{elem}:{comp}**{code}*{bad value}~ AK5*{A|E|R}*{codes}~ AK9*{A|E|P|R}*{n}*{n}*{n}~ SE…~ GE…~ IEA…~
/// ```
pub(crate) fn acknowledge(
    interchange: &InterchangeReport,
    options: &AckOptions,
    control_number: u32,
    outside: Option<OutsideRejection>,
) -> Result<Vec<u8>, WriteError> {
    let header = &interchange.header;
    let flavor = if options.kind == AckKind::Ack999 {
        V5010_999
    } else {
        V4010
    };
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
    let mut out = Out::new(delimiters(flavor), true);
    write_isa(&mut out, &params, flavor)?;
    // Sets sent outside any GS cannot be listed in a 997/999: when one of them is rejected, the
    // interchange is, so that the acknowledgment never reads as accepting it.
    let hidden_rejection = interchange
        .groups
        .iter()
        .filter(|g| g.header.is_none())
        .any(|g| {
            g.accepted < g.received || g.errors.iter().any(|e| e.severity() == Severity::Reject)
        });
    let interchange_rejected = outside.is_some() || hidden_rejection || interchange.is_rejected();
    let note_code = interchange
        .errors
        .first()
        .map(crate::EdiError::ta1_note_code)
        .or(outside.map(|o| o.ta1_note_code))
        .or(hidden_rejection.then_some("022"));
    if let Some(note_code) = note_code {
        let status = if interchange_rejected { "R" } else { "E" };
        out.segment(
            "TA1",
            &[
                s(&echo(&header.control_number)),
                s(&echo(&header.date)),
                s(&echo(&header.time)),
                s(status),
                s(note_code),
            ],
        )?;
    } else if header.ack_requested {
        out.segment(
            "TA1",
            &[
                s(&echo(&header.control_number)),
                s(&echo(&header.date)),
                s(&echo(&header.time)),
                s("A"),
                s("000"),
            ],
        )?;
    }
    let groups: Vec<&GroupReport> = interchange
        .groups
        .iter()
        .filter(|g| g.header.is_some())
        .collect();
    if !groups.is_empty() {
        let date = options.prepared_at.date();
        let time = options.prepared_at.time();
        let first_group = groups[0].header.as_ref();
        let app_sender = first_group.map_or_else(
            || params.sender.id.clone(),
            |g| echo(&g.application_receiver),
        );
        let app_receiver = first_group.map_or_else(
            || params.receiver.id.clone(),
            |g| echo(&g.application_sender),
        );
        let gs06 = control_number.to_string();
        out.segment(
            "GS",
            &[
                s("FA"),
                s(&app_sender),
                s(&app_receiver),
                s(&format!(
                    "{:04}{:02}{:02}",
                    date.year(),
                    u8::from(date.month()),
                    date.day()
                )),
                s(&format!("{:02}{:02}", time.hour(), time.minute())),
                s(&gs06),
                s("X"),
                s(flavor.gs_version),
            ],
        )?;
        for (n, group) in groups.iter().enumerate() {
            let ack = FunctionalAck {
                kind: options.kind,
                interchange: None,
                groups: vec![group_ack(group, options.kind, interchange_rejected)],
                messages: Vec::new(),
            };
            write_transaction(
                &mut out,
                &BusinessDocument::FunctionalAck(ack),
                &format!("{:04}", n + 1),
                flavor,
            )?;
        }
        out.segment("GE", &[s(&groups.len().to_string()), s(&gs06)])?;
    }
    let groups_written = if groups.is_empty() { "0" } else { "1" };
    out.segment(
        "IEA",
        &[s(groups_written), s(&format!("{control_number:09}"))],
    )?;
    Ok(out.bytes)
}

/// The AK1…AK9 content for one received group.
pub(crate) fn group_ack(
    group: &GroupReport,
    kind: AckKind,
    interchange_rejected: bool,
) -> GroupAck {
    let header = group.header.as_ref();
    let group_rejected = interchange_rejected
        || group
            .errors
            .iter()
            .any(|e| e.severity() == Severity::Reject);
    let transactions: Vec<TransactionAck> = group
        .transactions
        .iter()
        .map(|t| {
            let mut codes: Vec<String> = t
                .errors
                .iter()
                .filter_map(super::super::error::EdiError::transaction_code)
                .map(str::to_owned)
                .collect();
            let errors = segment_errors(t, false);
            if !errors.is_empty() && !codes.iter().any(|c| c == "5") {
                codes.push("5".to_owned());
            }
            codes.dedup();
            codes.truncate(5);
            TransactionAck {
                set_id: echo(&t.header.set_id),
                control_number: echo(&t.header.control_number),
                status: if group_rejected {
                    AckStatus::Rejected
                } else {
                    transaction_status(t)
                },
                error_codes: codes,
                segment_errors: errors,
            }
        })
        .collect();
    let noted = transactions
        .iter()
        .any(|t| t.status == AckStatus::AcceptedWithErrors)
        || !group.errors.is_empty();
    let status = if group_rejected || (group.accepted == 0 && group.received > 0) {
        AckStatus::Rejected
    } else if group.accepted < group.received {
        AckStatus::PartiallyAccepted
    } else if noted {
        AckStatus::AcceptedWithErrors
    } else {
        AckStatus::Accepted
    };
    let mut codes: Vec<String> = group
        .errors
        .iter()
        .map(|e| e.group_code().to_owned())
        .collect();
    codes.dedup();
    codes.truncate(5);
    let count = |n: u64| Some(u32::try_from(n).unwrap_or(u32::MAX));
    GroupAck {
        functional_id: header.map(|h| echo(&h.functional_id)).unwrap_or_default(),
        control_number: header.map(|h| echo(&h.control_number)).unwrap_or_default(),
        version: header
            .filter(|_| kind == AckKind::Ack999)
            .map(|h| echo(&h.version)),
        status,
        error_codes: codes,
        sets_included: count(group.received),
        sets_received: count(group.received),
        sets_accepted: count(if group_rejected { 0 } else { group.accepted }),
        transactions,
    }
}
