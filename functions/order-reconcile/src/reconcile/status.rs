//! The status phase: each line's quantities judged (shipped against committed, invoiced
//! against ordered and shipped), the documents still missing, each line's and the order's
//! status, and the result assembled.

use super::invoice::{invoiced_amount, judge_invoicing};
use super::lines::{Findings, LineState};
use super::model::{OrderRecord, PartnerDocuments, Rules};
use super::outcome::{
    FindingCode, InvoiceCheck, LineResult, MatchStatus, Ordered, Reconciliation, Severity, Summary,
};
use super::shipment::judge_shipment;

/// What the earlier phases hand to the status phase.
pub(super) struct Collected {
    pub findings: Findings,
    pub state: Vec<LineState>,
    pub invoice_checks: Vec<InvoiceCheck>,
    pub invoicing_complete: bool,
}

/// Judges quantities and missing documents, then sets every status.
pub(super) fn status_phase(
    order: &OrderRecord,
    received: &PartnerDocuments,
    rules: &Rules,
    collected: Collected,
) -> Reconciliation {
    let Collected {
        mut findings,
        state,
        invoice_checks,
        invoicing_complete,
    } = collected;
    let has_notice = !received.ship_notices.is_empty();
    let has_invoice = !received.invoices.is_empty();
    for (i, line) in state.iter().enumerate() {
        judge_shipment(
            order,
            i,
            line,
            has_notice,
            invoicing_complete,
            &mut findings,
        );
        judge_invoicing(
            order,
            i,
            line,
            has_notice,
            has_invoice,
            invoicing_complete,
            &mut findings,
        );
    }
    missing_documents(received, rules, &mut findings);

    let order_waiting = findings
        .order
        .iter()
        .any(|f| f.severity == Severity::Waiting);
    let mut summary = Summary {
        lines: order.lines.len(),
        invoiced_amount: invoiced_amount(&state),
        ..Summary::default()
    };
    let mut lines = Vec::with_capacity(order.lines.len());
    for ((ordered, line_findings), line) in order.lines.iter().zip(&findings.lines).zip(state) {
        let status = if line_findings
            .iter()
            .any(|f| f.severity == Severity::Exception)
        {
            summary.exceptions += 1;
            MatchStatus::Exceptions
        } else if order_waiting || !line_findings.is_empty() {
            summary.waiting += 1;
            MatchStatus::WaitingForDocuments
        } else {
            summary.matched += 1;
            MatchStatus::Matched
        };
        if let Some(price) = ordered.unit_price {
            summary.ordered_amount += ordered.quantity * price;
        }
        lines.push(LineResult {
            line: ordered.line.clone(),
            material: ordered.material.clone(),
            status,
            ordered: Ordered {
                quantity: ordered.quantity,
                unit: ordered.unit.clone(),
                unit_price: ordered.unit_price,
                delivery_date: ordered.delivery_date,
                ship_date: ordered.ship_date,
                committed: line.committed,
            },
            acknowledged: line.acknowledged,
            shipped: line.shipped,
            invoiced: line.invoiced,
        });
    }
    let Findings {
        order: mut all,
        lines: per_line,
    } = findings;
    all.extend(per_line.into_iter().flatten());
    summary.findings = all.len();
    let status = if all.iter().any(|f| f.severity == Severity::Exception) {
        MatchStatus::Exceptions
    } else if all.is_empty() {
        MatchStatus::Matched
    } else {
        MatchStatus::WaitingForDocuments
    };
    Reconciliation {
        po_number: order.po_number.clone(),
        status,
        currency: order.currency.clone(),
        price_tolerance: rules.price_tolerance,
        invoicing_complete,
        documents: received.references(),
        summary,
        lines,
        invoices: invoice_checks,
        findings: all,
    }
}

/// Order-level waiting findings for the kinds of documents not received yet.
fn missing_documents(received: &PartnerDocuments, rules: &Rules, findings: &mut Findings) {
    if rules.acknowledgment_required && received.acknowledgments.is_empty() {
        findings.order(
            FindingCode::AwaitingAcknowledgment,
            None,
            "no order acknowledgment (855 / ORDRSP) received yet".to_owned(),
        );
    }
    if received.ship_notices.is_empty() {
        findings.order(
            FindingCode::AwaitingShipNotice,
            None,
            "no ship notice (856 / DESADV) received yet".to_owned(),
        );
    }
    if received.invoices.is_empty() {
        findings.order(
            FindingCode::AwaitingInvoice,
            None,
            "no invoice (810 / INVOIC) received yet".to_owned(),
        );
    }
}
