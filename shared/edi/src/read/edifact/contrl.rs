//! CONTRL syntax and service report.

use crate::envelope::PartyId;
use crate::model::{
    AckKind, AckStatus, ElementError, FunctionalAck, GroupAck, InterchangeAck, SegmentError,
    TransactionAck,
};
use crate::read::Fields;
use crate::token::Segment;

use super::other_segment;

/// # Format
/// `UCI+{their ref}+{their id}:{qual}+{our id}:{qual}+{7|4|8}+{error}'
/// UCF+{group ref}+…+{action}+{error}' UCM+{message ref}+{type}:D:96A:UN+{action}+{error}'
/// UCS+{segment position}+{error}' UCD+{error}+{element}:{component}'`
pub(crate) fn read_contrl(body: &[Segment<'_>], fields: &mut Fields<'_>) -> FunctionalAck {
    let mut interchange = None;
    let mut groups: Vec<(GroupAck, String, Vec<String>)> = Vec::new();
    let mut direct: Vec<(TransactionAck, String)> = Vec::new();
    let mut in_group = false;
    for segment in body {
        match segment.tag() {
            b"UCI" => {
                let action = fields.required(segment, 4, 0, "UCI 0083");
                let error_code = fields.text(segment, 5, 0);
                interchange = Some(InterchangeAck {
                    control_number: fields.required(segment, 1, 0, "UCI 0020"),
                    sender: PartyId::new(
                        fields.text(segment, 2, 2).unwrap_or_default(),
                        fields.text(segment, 2, 1).unwrap_or_default(),
                    ),
                    receiver: PartyId::new(
                        fields.text(segment, 3, 2).unwrap_or_default(),
                        fields.text(segment, 3, 1).unwrap_or_default(),
                    ),
                    status: AckStatus::from_edifact(&action, error_code.is_some()),
                    error_code,
                });
            }
            b"UCF" => {
                in_group = true;
                let action = fields.required(segment, 4, 0, "UCF 0083");
                groups.push((
                    GroupAck {
                        functional_id: String::new(),
                        control_number: fields.required(segment, 1, 0, "UCF 0048"),
                        version: None,
                        status: AckStatus::Accepted,
                        error_codes: fields.text(segment, 5, 0).into_iter().collect(),
                        sets_included: None,
                        sets_received: None,
                        sets_accepted: None,
                        transactions: Vec::new(),
                    },
                    action,
                    Vec::new(),
                ));
            }
            b"UCM" => {
                let action = fields.required(segment, 3, 0, "UCM 0083");
                let message = TransactionAck {
                    set_id: fields.required(segment, 2, 1, "UCM S009"),
                    control_number: fields.required(segment, 1, 0, "UCM 0062"),
                    status: AckStatus::Accepted,
                    error_codes: fields.text(segment, 4, 0).into_iter().collect(),
                    segment_errors: Vec::new(),
                };
                match groups.last_mut() {
                    Some((group, _, actions)) if in_group => {
                        group.transactions.push(message);
                        actions.push(action);
                    }
                    _ => direct.push((message, action)),
                }
            }
            b"UCS" => {
                let error = SegmentError {
                    segment_id: None,
                    position: fields.count(segment, 1).unwrap_or(0),
                    code: fields.text(segment, 2, 0),
                    element_errors: Vec::new(),
                };
                if let Some(message) = current_message(&mut groups, &mut direct, in_group) {
                    message.segment_errors.push(error);
                }
            }
            b"UCD" => {
                let error = ElementError {
                    position: fields
                        .text(segment, 2, 1)
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0),
                    component: fields.text(segment, 2, 2).and_then(|p| p.parse().ok()),
                    code: fields.required(segment, 1, 0, "UCD 0085"),
                    bad_value: None,
                };
                if let Some(last) = current_message(&mut groups, &mut direct, in_group)
                    .and_then(|m| m.segment_errors.last_mut())
                {
                    last.element_errors.push(error);
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    let settle = |message: &mut TransactionAck, action: &str| {
        let has_errors = !message.error_codes.is_empty() || !message.segment_errors.is_empty();
        message.status = AckStatus::from_edifact(action, has_errors);
    };
    let messages = direct
        .into_iter()
        .map(|(mut message, action)| {
            settle(&mut message, &action);
            message
        })
        .collect();
    let groups = groups
        .into_iter()
        .map(|(mut group, action, actions)| {
            for (message, action) in group.transactions.iter_mut().zip(&actions) {
                settle(message, action);
            }
            let has_errors = !group.error_codes.is_empty()
                || group
                    .transactions
                    .iter()
                    .any(|t| t.status != AckStatus::Accepted);
            group.status = AckStatus::from_edifact(&action, has_errors);
            group
        })
        .collect();
    FunctionalAck {
        kind: AckKind::Contrl,
        interchange,
        groups,
        messages,
    }
}

fn current_message<'m>(
    groups: &'m mut [(GroupAck, String, Vec<String>)],
    direct: &'m mut [(TransactionAck, String)],
    in_group: bool,
) -> Option<&'m mut TransactionAck> {
    if in_group {
        groups
            .last_mut()
            .and_then(|(g, _, _)| g.transactions.last_mut())
    } else {
        direct.last_mut().map(|(m, _)| m)
    }
}
