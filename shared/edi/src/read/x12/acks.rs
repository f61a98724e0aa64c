//! 997 functional and 999 implementation acknowledgments.

use crate::model::{
    AckKind, AckStatus, ElementError, FunctionalAck, GroupAck, SegmentError, TransactionAck,
};
use crate::read::Fields;
use crate::token::Segment;

use super::other_segment;

/// # Format
/// `AK1*PO*{GS06}*{version}~ AK2*850*{ST02}~ AK3*{seg id}*{position}**{code}~
/// AK4*{element}:{component}**{code}*{bad copy}~ AK5*{A|E|R}*{codes…}~
/// AK9*{A|E|P|R}*{included}*{received}*{accepted}*{codes…}~` (999: IK3, IK4, IK5, CTX)
pub(crate) fn read_functional_ack(
    set_id: &str,
    body: &[Segment<'_>],
    fields: &mut Fields<'_>,
) -> FunctionalAck {
    let kind = if set_id == "999" {
        AckKind::Ack999
    } else {
        AckKind::Ack997
    };
    let mut groups: Vec<GroupAck> = Vec::new();
    for segment in body {
        match segment.tag() {
            b"AK1" => groups.push(GroupAck {
                functional_id: fields.required(segment, 1, 0, "AK101"),
                control_number: fields.required(segment, 2, 0, "AK102"),
                version: fields.text(segment, 3, 0),
                status: AckStatus::Accepted,
                error_codes: Vec::new(),
                sets_included: None,
                sets_received: None,
                sets_accepted: None,
                transactions: Vec::new(),
            }),
            b"AK2" => {
                if let Some(group) = groups.last_mut() {
                    group.transactions.push(TransactionAck {
                        set_id: fields.required(segment, 1, 0, "AK201"),
                        control_number: fields.required(segment, 2, 0, "AK202"),
                        status: AckStatus::Accepted,
                        error_codes: Vec::new(),
                        segment_errors: Vec::new(),
                    });
                }
            }
            b"AK3" | b"IK3" => {
                if let Some(set) = groups.last_mut().and_then(|g| g.transactions.last_mut()) {
                    set.segment_errors.push(SegmentError {
                        segment_id: fields.text(segment, 1, 0),
                        position: fields.count(segment, 2).unwrap_or(0),
                        code: fields.text(segment, 4, 0),
                        element_errors: Vec::new(),
                    });
                }
            }
            b"AK4" | b"IK4" => {
                if let Some(error) = groups
                    .last_mut()
                    .and_then(|g| g.transactions.last_mut())
                    .and_then(|t| t.segment_errors.last_mut())
                {
                    let position = fields
                        .text(segment, 1, 1)
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0);
                    let component = fields.text(segment, 1, 2).and_then(|p| p.parse().ok());
                    error.element_errors.push(ElementError {
                        position,
                        component,
                        code: fields.required(segment, 3, 0, "AK403"),
                        bad_value: fields.text(segment, 4, 0),
                    });
                }
            }
            b"AK5" | b"IK5" => {
                if let Some(set) = groups.last_mut().and_then(|g| g.transactions.last_mut()) {
                    set.status = AckStatus::from_x12(&fields.required_code(segment, 1, 0, "AK501"));
                    set.error_codes = (2..=6).filter_map(|n| fields.text(segment, n, 0)).collect();
                }
            }
            b"AK9" => {
                if let Some(group) = groups.last_mut() {
                    group.status =
                        AckStatus::from_x12(&fields.required_code(segment, 1, 0, "AK901"));
                    group.sets_included = fields.count(segment, 2);
                    group.sets_received = fields.count(segment, 3);
                    group.sets_accepted = fields.count(segment, 4);
                    group.error_codes =
                        (5..=9).filter_map(|n| fields.text(segment, n, 0)).collect();
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    FunctionalAck {
        kind,
        interchange: None,
        groups,
        messages: Vec::new(),
    }
}
