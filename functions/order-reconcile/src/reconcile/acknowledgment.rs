//! The acknowledgment phase: each order line against the latest acknowledgment (855 /
//! ORDRSP) mentioning it — what the partner committed to — and the partner's functional
//! acknowledgments of what the buyer sent.

use gridlink_edi::{AckLine, DateKind, LineStatus};
use rust_decimal::Decimal;

use super::functional_ack::FunctionalAckVerdict;
use super::lines::{Findings, LineIndex, LineState, in_order_unit, n, unit_mismatch};
use super::model::{OrderRecord, OrderedLine, PartnerDocuments, Rules};
use super::outcome::{AckOutcome, Acknowledged, FindingCode};
use super::units::Conversion;

/// Judges every line against its latest acknowledgment and sets what it commits to.
pub(super) fn acknowledgment_phase(
    order: &OrderRecord,
    received: &PartnerDocuments,
    rules: &Rules,
    index: &LineIndex<'_>,
    findings: &mut Findings,
    state: &mut [LineState],
) {
    for (line, slot) in order.lines.iter().zip(state.iter_mut()) {
        slot.committed = line.quantity;
    }
    functional_acks(received, findings);
    if received.acknowledgments.is_empty() {
        return;
    }
    let mut latest: Vec<Option<(&str, &AckLine)>> = vec![None; order.lines.len()];
    for ack in &received.acknowledgments {
        let number = ack.reference.number.as_str();
        for line in &ack.document.lines {
            match index.find(Some(&line.line_number), &line.product_ids) {
                Some(i) => latest[i] = Some((number, line)),
                None => findings.unknown_line(
                    "acknowledgment",
                    number,
                    Some(&line.line_number),
                    &line.product_ids,
                ),
            }
        }
    }
    let last_number = received
        .acknowledgments
        .last()
        .map(|a| a.reference.number.as_str());
    for (i, ordered) in order.lines.iter().enumerate() {
        if let Some((number, acked)) = latest[i] {
            judge(order, i, acked, number, rules, findings, &mut state[i]);
        } else {
            findings.line(
                order,
                i,
                FindingCode::NotAcknowledged,
                last_number,
                format!("line {}: not in the acknowledgment", ordered.line),
            );
            state[i].acknowledged = Some(Acknowledged {
                outcome: AckOutcome::NotAcknowledged,
                quantity: None,
                unit_price: None,
                date: None,
                date_kind: None,
            });
        }
    }
}

/// The partner's functional acknowledgments of what the buyer sent: errors and rejections
/// are exceptions naming the partner's codes; accepted ones are only listed as documents.
fn functional_acks(received: &PartnerDocuments, findings: &mut Findings) {
    for ack in &received.functional_acks {
        let answered = &ack.document;
        let code = match answered.verdict {
            FunctionalAckVerdict::Rejected => FindingCode::FunctionalAckRejected,
            FunctionalAckVerdict::AcceptedWithErrors => FindingCode::FunctionalAckErrors,
            FunctionalAckVerdict::Accepted | FunctionalAckVerdict::Received => continue,
        };
        let what = match (&answered.set_id, &answered.control_number) {
            (Some(set), Some(control)) => format!("{set} {control}"),
            _ => answered
                .group_control_number
                .as_ref()
                .map_or_else(|| "the interchange".to_owned(), |g| format!("group {g}")),
        };
        let verdict = if code == FindingCode::FunctionalAckRejected {
            "rejected"
        } else {
            "accepted with errors"
        };
        let codes = if answered.errors.is_empty() {
            "no error codes given".to_owned()
        } else {
            format!("error codes {}", answered.errors.join(", "))
        };
        findings.order(
            code,
            Some(&ack.reference.number),
            format!("the partner's system {verdict} {what} ({codes})"),
        );
    }
}

fn kind_name(kind: DateKind) -> &'static str {
    match kind {
        DateKind::Shipment => "ship",
        DateKind::Delivery => "delivery",
    }
}

/// Judges one acknowledged line against the ordered one.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per acknowledgment status; the checks of an accepted line read best together"
)]
fn judge(
    order: &OrderRecord,
    i: usize,
    acked: &AckLine,
    number: &str,
    rules: &Rules,
    findings: &mut Findings,
    state: &mut LineState,
) {
    let ordered: &OrderedLine = &order.lines[i];
    let line = &ordered.line;
    let reported = acked
        .status_quantity
        .as_ref()
        .or(acked.ordered_quantity.as_ref());
    let mut conversion = Conversion::SAME;
    let quantity = match reported.map(|q| in_order_unit(&rules.units, ordered, q)) {
        None => None,
        Some(Ok((value, used))) => {
            conversion = used;
            Some(value)
        }
        Some(Err(unit)) => {
            unit_mismatch(findings, state, order, i, number, unit);
            None
        }
    };
    let unit_price = acked.unit_price.map(|p| conversion.price(p));
    let date_kind = acked.scheduled_date_kind;
    let before = findings.lines[i].len();
    let outcome = match &acked.status {
        LineStatus::Rejected | LineStatus::Deleted => {
            state.committed = Decimal::ZERO;
            findings.line(
                order,
                i,
                FindingCode::AckRejected,
                Some(number),
                format!("line {line}: rejected by the partner"),
            );
            AckOutcome::Rejected
        }
        LineStatus::Backordered => {
            let backordered = if state.unit_mismatch {
                None
            } else {
                Some(quantity.unwrap_or(ordered.quantity).min(ordered.quantity))
            };
            if let Some(backordered) = backordered {
                state.committed = ordered.quantity - backordered;
            }
            let what = backordered.map_or_else(String::new, |q| {
                format!(" ({} of {} backordered)", n(q), n(ordered.quantity))
            });
            findings.line(
                order,
                i,
                FindingCode::AckBackordered,
                Some(number),
                format!("line {line}: backordered by the partner{what}"),
            );
            AckOutcome::Backordered
        }
        status => {
            if let Some(confirmed) = quantity {
                state.committed = confirmed;
                if confirmed != ordered.quantity {
                    findings.line(
                        order,
                        i,
                        FindingCode::AckQuantityChanged,
                        Some(number),
                        format!(
                            "line {line}: quantity {} confirmed, {} ordered",
                            n(confirmed),
                            n(ordered.quantity)
                        ),
                    );
                }
            }
            if let (Some(ordered_price), Some(price)) = (ordered.unit_price, unit_price)
                && !rules.price_tolerance.allows(ordered_price, price)
            {
                findings.line(
                    order,
                    i,
                    FindingCode::AckPriceChanged,
                    Some(number),
                    format!(
                        "line {line}: unit price {} confirmed, {} ordered",
                        n(price),
                        n(ordered_price)
                    ),
                );
            }
            let wanted = match date_kind {
                Some(DateKind::Shipment) => ordered.ship_date,
                Some(DateKind::Delivery) => ordered.delivery_date,
                None => None,
            };
            if let (Some(kind), Some(wanted), Some(date)) =
                (date_kind, wanted, acked.scheduled_date)
                && wanted != date
            {
                let kind = kind_name(kind);
                findings.line(
                    order,
                    i,
                    FindingCode::AckDateChanged,
                    Some(number),
                    format!(
                        "line {line}: {kind} date {date} confirmed, {kind} date {wanted} requested"
                    ),
                );
            }
            let said_changed = match status {
                LineStatus::Accepted => None,
                LineStatus::AcceptedWithChanges => Some("accepted with changes".to_owned()),
                LineStatus::DateRescheduled => Some("date rescheduled".to_owned()),
                other => Some(format!("answered {other:?}")),
            };
            if findings.lines[i].len() == before
                && let Some(said) = said_changed
            {
                findings.line(
                    order,
                    i,
                    FindingCode::AckChanged,
                    Some(number),
                    format!("line {line}: {said}"),
                );
            }
            if findings.lines[i].len() == before {
                AckOutcome::Accepted
            } else {
                AckOutcome::Changed
            }
        }
    };
    state.acknowledged = Some(Acknowledged {
        outcome,
        quantity,
        unit_price,
        date: acked.scheduled_date,
        date_kind,
    });
}
