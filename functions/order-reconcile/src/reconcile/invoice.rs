//! The invoice phase: every invoice line (810 / INVOIC) joined to its order line, its unit
//! price against the ordered one, quantities summed per line in the order's unit; then each
//! line's invoiced quantity against what was ordered and shipped. Also: when the partner's
//! invoicing of the order is complete.

use gridlink_edi::EdiDate;
use rust_decimal::Decimal;

use super::lines::{Findings, LineIndex, LineState, in_order_unit, n, unit_mismatch};
use super::model::{Invoicing, OrderRecord, PartnerDocuments, Rules};
use super::outcome::{FindingCode, InvoicePart};

/// The day an invoice counts from: its own date, else the day it was received.
fn invoice_day(date: Option<EdiDate>, received_at: &str) -> Option<EdiDate> {
    date.or_else(|| {
        received_at
            .get(..10)
            .and_then(|day| EdiDate::parse_ccyymmdd(&day.replace('-', "")))
    })
}

/// Whether the partner's invoicing of the order is complete ([`Invoicing`]).
pub(super) fn invoicing_complete(received: &PartnerDocuments, rules: &Rules) -> bool {
    if received.invoices.is_empty() {
        return false;
    }
    match rules.invoicing {
        Invoicing::Single => true,
        Invoicing::Partial {
            final_after_days: None,
        } => false,
        Invoicing::Partial {
            final_after_days: Some(days),
        } => {
            let latest = received
                .invoices
                .iter()
                .filter_map(|i| invoice_day(i.document.invoice_date, &i.reference.received_at))
                .max();
            match (latest, rules.as_of) {
                (Some(latest), Some(today)) => latest
                    .0
                    .checked_add(time::Duration::days(i64::from(days)))
                    .is_some_and(|complete| complete <= today.0),
                _ => false,
            }
        }
    }
}

/// Collects every invoice line onto its order line and checks its unit price.
pub(super) fn invoice_phase(
    order: &OrderRecord,
    received: &PartnerDocuments,
    rules: &Rules,
    index: &LineIndex<'_>,
    findings: &mut Findings,
    state: &mut [LineState],
) {
    for invoice in &received.invoices {
        let number = invoice.document.invoice_number.as_str();
        for line in &invoice.document.lines {
            let Some(i) = index.find(Some(&line.line_number), &line.product_ids) else {
                findings.unknown_line(
                    "invoice",
                    number,
                    Some(&line.line_number),
                    &line.product_ids,
                );
                continue;
            };
            let ordered = &order.lines[i];
            let (quantity, conversion) = match in_order_unit(&rules.units, ordered, &line.quantity)
            {
                Ok(converted) => converted,
                Err(unit) => {
                    unit_mismatch(findings, &mut state[i], order, i, number, unit);
                    continue;
                }
            };
            let unit_price = conversion.price(line.unit_price);
            let invoiced = &mut state[i].invoiced;
            invoiced.quantity += quantity;
            invoiced.invoices.push(InvoicePart {
                invoice_number: number.to_owned(),
                quantity,
                unit_price,
            });
            match ordered.unit_price {
                None => findings.line(
                    order,
                    i,
                    FindingCode::PriceUnknown,
                    Some(number),
                    format!(
                        "line {}: invoice {number} bills {} per unit, the order has no price",
                        ordered.line,
                        n(unit_price)
                    ),
                ),
                Some(price) if !rules.price_tolerance.allows(price, unit_price) => findings.line(
                    order,
                    i,
                    FindingCode::PriceOutsideTolerance,
                    Some(number),
                    format!(
                        "line {}: invoice {number} unit price {} differs from the ordered {} by more than the tolerance",
                        ordered.line,
                        n(unit_price),
                        n(price)
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// Line `i`'s invoiced quantity against ordered and shipped: more than ordered, or (once a
/// ship notice arrived) more than shipped, is an exception; less than shipped waits while
/// invoicing is not complete and is an exception once it is (under-billing).
pub(super) fn judge_invoicing(
    order: &OrderRecord,
    i: usize,
    state: &LineState,
    has_notice: bool,
    has_invoice: bool,
    invoicing_complete: bool,
    findings: &mut Findings,
) {
    if state.unit_mismatch {
        return;
    }
    let ordered = &order.lines[i];
    let line = &ordered.line;
    let (shipped, invoiced) = (state.shipped.quantity, state.invoiced.quantity);
    if invoiced > ordered.quantity {
        findings.line(
            order,
            i,
            FindingCode::InvoicedMoreThanOrdered,
            None,
            format!(
                "line {line}: {} invoiced, {} ordered",
                n(invoiced),
                n(ordered.quantity)
            ),
        );
    }
    if has_notice && invoiced > shipped {
        findings.line(
            order,
            i,
            FindingCode::InvoicedMoreThanShipped,
            None,
            format!(
                "line {line}: {} invoiced, {} shipped",
                n(invoiced),
                n(shipped)
            ),
        );
    }
    if has_invoice && invoiced < shipped {
        let (code, message) = if !invoicing_complete {
            (
                FindingCode::AwaitingInvoiceForShipped,
                format!(
                    "line {line}: {} shipped, {} invoiced so far",
                    n(shipped),
                    n(invoiced)
                ),
            )
        } else if state.invoiced.invoices.is_empty() {
            (
                FindingCode::ShippedNotInvoiced,
                format!(
                    "line {line}: {} shipped, on no invoice, and invoicing is complete",
                    n(shipped)
                ),
            )
        } else {
            (
                FindingCode::InvoicedLessThanShipped,
                format!(
                    "line {line}: {} shipped, {} invoiced, and invoicing is complete",
                    n(shipped),
                    n(invoiced)
                ),
            )
        };
        findings.line(order, i, code, None, message);
    }
}

/// The invoiced amount over every joined invoice line: Σ quantity × unit price.
pub(super) fn invoiced_amount(state: &[LineState]) -> Decimal {
    state
        .iter()
        .flat_map(|s| s.invoiced.invoices.iter())
        .map(|p| p.quantity * p.unit_price)
        .sum()
}
