//! The reconciliation rules: pure, no I/O. An order and everything received for it in, a
//! [`Reconciliation`] out.
//!
//! # The rules
//! Lines are joined on the line number (leading zeros ignored; PO101 / LIN 1082 echoed by the
//! partner); a ship-notice item or invoice line without one is joined on a product id equal to
//! the order line's `Material`. Anything that joins no order line is an `unknown_line`
//! exception.
//!
//! - **Acknowledged vs ordered** (the latest acknowledgment mentioning the line): `IA` / `5`
//!   with the ordered quantity, a price within the tolerance and the ordered date →
//!   `accepted`; another quantity, price or date, or an acceptance "with changes" →
//!   `changed` (exception); backordered (`IB`, `QTY+83`) → `backordered` (exception);
//!   rejected or deleted → `rejected` (exception); a line the acknowledgment does not mention →
//!   `not_acknowledged` (exception).
//! - **Shipped vs ordered**: the quantities of every item of the order's part of every ship
//!   notice are summed per line (split shipments, several packs). More than ordered →
//!   `over_shipment` (exception). Less than ordered → `awaiting_shipment` (waiting) while
//!   nothing is invoiced, `short_shipment` (exception) once an invoice arrived — the partner
//!   bills what it considers delivered.
//! - **Invoiced vs ordered and shipped**: each invoiced unit price must be within the
//!   partner's tolerance of the ordered one (`price_outside_tolerance`; `price_unknown` when
//!   the order has no price); Σ invoiced ≤ ordered (`invoiced_more_than_ordered`); once a
//!   ship notice arrived, Σ invoiced ≤ Σ shipped (`invoiced_more_than_shipped`) — before, the
//!   invoice waits for it; shipped but not (fully) invoiced → `awaiting_invoice_for_shipped`
//!   (waiting). Per invoice, the stated total (TDS01 / MOA+77) must equal Σ quantity × unit
//!   price plus tax (TXI / MOA+124) to the cent (`invoice_total_mismatch`), and its currency
//!   the order's (`currency_mismatch`).
//! - **Missing documents** (order level, waiting): no acknowledgment (when acknowledgments are
//!   required), no ship notice, no invoice.
//!
//! The status is `exceptions` if any finding is an exception, else `waiting_for_documents` if
//! any finding is a missing document, else `matched`. So an invoice that arrives before the
//! ship notice leaves the order `waiting_for_documents` (unless its prices are already wrong),
//! and an order is `matched` only once it is acknowledged (if required), shipped in full and
//! invoiced in full, with every price within tolerance.

use std::collections::HashMap;

use gridlink_edi::{AckLine, LineStatus, ProductId};
use rust_decimal::Decimal;

use super::model::{OrderRecord, OrderedLine, PartnerDocuments, PriceTolerance, Rules, line_key};
use super::outcome::{
    AckOutcome, Acknowledged, Finding, FindingCode, InvoiceCheck, InvoicePart, Invoiced,
    LineResult, MatchStatus, Ordered, Reconciliation, Severity, ShipmentPart, Shipped, Summary,
};

/// An invoice total may differ from its lines plus tax by rounding, at most one cent.
const TOTAL_ROUNDING: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// Order lines by line number and by material.
struct LineIndex {
    by_line: HashMap<String, usize>,
    by_material: HashMap<String, usize>,
}

impl LineIndex {
    fn new(lines: &[OrderedLine]) -> Self {
        let mut by_line = HashMap::with_capacity(lines.len());
        let mut by_material = HashMap::new();
        for (i, line) in lines.iter().enumerate() {
            by_line.entry(line_key(&line.line)).or_insert(i);
            if let Some(material) = line.material.as_deref().map(str::trim)
                && !material.is_empty()
            {
                by_material.entry(material.to_owned()).or_insert(i);
            }
        }
        Self {
            by_line,
            by_material,
        }
    }

    fn find(&self, line_number: Option<&str>, products: &[ProductId]) -> Option<usize> {
        if let Some(line) = line_number.filter(|l| !l.trim().is_empty()) {
            return self.by_line.get(&line_key(line)).copied();
        }
        products
            .iter()
            .find_map(|p| self.by_material.get(p.value.trim()).copied())
    }
}

/// Findings as they are collected: order-level ones, and per line.
struct Findings {
    order: Vec<Finding>,
    lines: Vec<Vec<Finding>>,
}

impl Findings {
    fn order(
        &mut self,
        severity: Severity,
        code: FindingCode,
        document: Option<&str>,
        message: String,
    ) {
        self.order.push(Finding {
            severity,
            code,
            line: None,
            document: document.map(str::to_owned),
            message,
        });
    }

    fn line(
        &mut self,
        order: &OrderRecord,
        index: usize,
        severity: Severity,
        code: FindingCode,
        document: Option<&str>,
        message: String,
    ) {
        self.lines[index].push(Finding {
            severity,
            code,
            line: Some(order.lines[index].line.clone()),
            document: document.map(str::to_owned),
            message,
        });
    }

    fn unknown_line(
        &mut self,
        what: &str,
        document: &str,
        line: Option<&str>,
        products: &[ProductId],
    ) {
        let named = line.map_or_else(
            || {
                products.first().map_or_else(
                    || "an item without id".to_owned(),
                    |p| format!("item {}", p.value),
                )
            },
            |l| format!("line {l}"),
        );
        self.order.push(Finding {
            severity: Severity::Exception,
            code: FindingCode::UnknownLine,
            line: line.map(str::to_owned),
            document: Some(document.to_owned()),
            message: format!("{what} {document} names {named}, which the order does not have"),
        });
    }
}

fn n(value: Decimal) -> Decimal {
    value.normalize()
}

/// Judges one acknowledged line against the ordered one.
fn judge_ack(
    ordered: &OrderedLine,
    acked: &AckLine,
    tolerance: &PriceTolerance,
) -> (Acknowledged, Vec<(FindingCode, String)>) {
    let line = &ordered.line;
    let quantity = acked
        .status_quantity
        .as_ref()
        .or(acked.ordered_quantity.as_ref())
        .map(|q| q.value);
    let mut findings = Vec::new();
    let outcome = match &acked.status {
        LineStatus::Rejected | LineStatus::Deleted => {
            findings.push((
                FindingCode::AckRejected,
                format!("line {line}: rejected by the partner"),
            ));
            AckOutcome::Rejected
        }
        LineStatus::Backordered => {
            let what = quantity.map_or_else(String::new, |q| format!(" ({} backordered)", n(q)));
            findings.push((
                FindingCode::AckBackordered,
                format!("line {line}: backordered by the partner{what}"),
            ));
            AckOutcome::Backordered
        }
        status => {
            if let Some(confirmed) = quantity
                && confirmed != ordered.quantity
            {
                findings.push((
                    FindingCode::AckQuantityChanged,
                    format!(
                        "line {line}: quantity {} confirmed, {} ordered",
                        n(confirmed),
                        n(ordered.quantity)
                    ),
                ));
            }
            if let (Some(ordered_price), Some(price)) = (ordered.unit_price, acked.unit_price)
                && !tolerance.allows(ordered_price, price)
            {
                findings.push((
                    FindingCode::AckPriceChanged,
                    format!(
                        "line {line}: unit price {} confirmed, {} ordered",
                        n(price),
                        n(ordered_price)
                    ),
                ));
            }
            if let (Some(wanted), Some(date)) = (ordered.delivery_date, acked.scheduled_date)
                && wanted != date
            {
                findings.push((
                    FindingCode::AckDateChanged,
                    format!("line {line}: date {date} confirmed, delivery {wanted} ordered"),
                ));
            }
            let said_changed = match status {
                LineStatus::Accepted => None,
                LineStatus::AcceptedWithChanges => Some("accepted with changes".to_owned()),
                LineStatus::DateRescheduled => Some("date rescheduled".to_owned()),
                other => Some(format!("answered {other:?}")),
            };
            if findings.is_empty()
                && let Some(said) = said_changed
            {
                findings.push((FindingCode::AckChanged, format!("line {line}: {said}")));
            }
            if findings.is_empty() {
                AckOutcome::Accepted
            } else {
                AckOutcome::Changed
            }
        }
    };
    (
        Acknowledged {
            outcome,
            quantity,
            unit_price: acked.unit_price,
            date: acked.scheduled_date,
        },
        findings,
    )
}

/// Reconciles `order` against everything `received` for it.
#[expect(
    clippy::too_many_lines,
    reason = "one pass per document kind, then one per line; splitting scatters the rules"
)]
pub fn reconcile(
    order: &OrderRecord,
    received: &PartnerDocuments,
    rules: &Rules,
) -> Reconciliation {
    let count = order.lines.len();
    let index = LineIndex::new(&order.lines);
    let tolerance = &rules.price_tolerance;
    let mut findings = Findings {
        order: Vec::new(),
        lines: vec![Vec::new(); count],
    };

    // Acknowledged vs ordered: the latest acknowledgment mentioning a line decides.
    let mut acked: Vec<Option<(&str, &AckLine)>> = vec![None; count];
    for ack in &received.acknowledgments {
        let number = ack.reference.number.as_str();
        for line in &ack.document.lines {
            match index.find(Some(&line.line_number), &line.product_ids) {
                Some(i) => acked[i] = Some((number, line)),
                None => findings.unknown_line(
                    "acknowledgment",
                    number,
                    Some(&line.line_number),
                    &line.product_ids,
                ),
            }
        }
    }
    let mut acknowledged: Vec<Option<Acknowledged>> = vec![None; count];
    if !received.acknowledgments.is_empty() {
        for (i, ordered) in order.lines.iter().enumerate() {
            if let Some((number, line)) = acked[i] {
                let (verdict, found) = judge_ack(ordered, line, tolerance);
                for (code, message) in found {
                    findings.line(order, i, Severity::Exception, code, Some(number), message);
                }
                acknowledged[i] = Some(verdict);
            } else {
                let number = received
                    .acknowledgments
                    .last()
                    .map(|a| a.reference.number.as_str());
                findings.line(
                    order,
                    i,
                    Severity::Exception,
                    FindingCode::NotAcknowledged,
                    number,
                    format!("line {}: not in the acknowledgment", ordered.line),
                );
                acknowledged[i] = Some(Acknowledged {
                    outcome: AckOutcome::NotAcknowledged,
                    quantity: None,
                    unit_price: None,
                    date: None,
                });
            }
        }
    }

    // Shipped: every item of the order's part of every ship notice, summed per line.
    let po = order.po_number.trim();
    let mut shipped: Vec<Shipped> = vec![Shipped::default(); count];
    for notice in &received.ship_notices {
        let shipment_id = notice.document.shipment_id.as_str();
        for part in notice
            .document
            .orders
            .iter()
            .filter(|o| o.po_number.trim() == po)
        {
            for item in part.packs.iter().flat_map(|p| p.items.iter()) {
                let Some(i) = index.find(item.line_number.as_deref(), &item.product_ids) else {
                    findings.unknown_line(
                        "ship notice",
                        shipment_id,
                        item.line_number.as_deref(),
                        &item.product_ids,
                    );
                    continue;
                };
                let line = &mut shipped[i];
                line.quantity += item.quantity.value;
                match line.shipments.last_mut() {
                    Some(last) if last.shipment_id == shipment_id => {
                        last.quantity += item.quantity.value;
                    }
                    _ => line.shipments.push(ShipmentPart {
                        shipment_id: shipment_id.to_owned(),
                        quantity: item.quantity.value,
                    }),
                }
            }
        }
    }

    // Invoiced: prices per invoice line, quantities summed per line, totals per invoice.
    let mut invoiced: Vec<Invoiced> = vec![Invoiced::default(); count];
    let mut invoice_checks = Vec::with_capacity(received.invoices.len());
    let mut invoiced_amount = Decimal::ZERO;
    for invoice in &received.invoices {
        let document = &invoice.document;
        let number = document.invoice_number.as_str();
        if let (Some(ordered), Some(billed)) = (&order.currency, &document.currency)
            && !ordered.trim().eq_ignore_ascii_case(billed.trim())
        {
            findings.order(
                Severity::Exception,
                FindingCode::CurrencyMismatch,
                Some(number),
                format!("invoice {number} is in {billed}, the order in {ordered}"),
            );
        }
        let mut line_total = Decimal::ZERO;
        for line in &document.lines {
            let amount = line.quantity.value * line.unit_price;
            line_total += amount;
            let Some(i) = index.find(Some(&line.line_number), &line.product_ids) else {
                findings.unknown_line(
                    "invoice",
                    number,
                    Some(&line.line_number),
                    &line.product_ids,
                );
                continue;
            };
            invoiced_amount += amount;
            let slot = &mut invoiced[i];
            slot.quantity += line.quantity.value;
            slot.invoices.push(InvoicePart {
                invoice_number: number.to_owned(),
                quantity: line.quantity.value,
                unit_price: line.unit_price,
            });
            let ordered = &order.lines[i];
            match ordered.unit_price {
                None => findings.line(
                    order,
                    i,
                    Severity::Exception,
                    FindingCode::PriceUnknown,
                    Some(number),
                    format!(
                        "line {}: invoice {number} bills {} per unit, the order has no price",
                        ordered.line,
                        n(line.unit_price)
                    ),
                ),
                Some(price) if !tolerance.allows(price, line.unit_price) => findings.line(
                    order,
                    i,
                    Severity::Exception,
                    FindingCode::PriceOutsideTolerance,
                    Some(number),
                    format!(
                        "line {}: invoice {number} unit price {} differs from the ordered {} by more than the tolerance",
                        ordered.line,
                        n(line.unit_price),
                        n(price)
                    ),
                ),
                Some(_) => {}
            }
        }
        let expected = line_total + document.tax_amount.unwrap_or_default();
        if (document.total_amount - expected).abs() > TOTAL_ROUNDING {
            findings.order(
                Severity::Exception,
                FindingCode::InvoiceTotalMismatch,
                Some(number),
                format!(
                    "invoice {number} states a total of {}, its lines and tax add up to {}",
                    n(document.total_amount),
                    n(expected)
                ),
            );
        }
        invoice_checks.push(InvoiceCheck {
            invoice_number: number.to_owned(),
            stated_total: document.total_amount,
            line_total,
            tax: document.tax_amount,
            currency: document.currency.clone(),
        });
    }

    // Per line: shipped and invoiced against ordered.
    let has_notice = !received.ship_notices.is_empty();
    let has_invoice = !received.invoices.is_empty();
    for (i, ordered) in order.lines.iter().enumerate() {
        let line = &ordered.line;
        let shipped_quantity = shipped[i].quantity;
        let invoiced_quantity = invoiced[i].quantity;
        if shipped_quantity > ordered.quantity {
            findings.line(
                order,
                i,
                Severity::Exception,
                FindingCode::OverShipment,
                None,
                format!(
                    "line {line}: {} shipped, {} ordered",
                    n(shipped_quantity),
                    n(ordered.quantity)
                ),
            );
        } else if has_notice && shipped_quantity < ordered.quantity {
            let (severity, code, tail) = if has_invoice {
                (Severity::Exception, FindingCode::ShortShipment, "")
            } else {
                (
                    Severity::Waiting,
                    FindingCode::AwaitingShipment,
                    "; more ship notices expected",
                )
            };
            findings.line(
                order,
                i,
                severity,
                code,
                None,
                format!(
                    "line {line}: {} shipped, {} ordered{tail}",
                    n(shipped_quantity),
                    n(ordered.quantity)
                ),
            );
        }
        if invoiced_quantity > ordered.quantity {
            findings.line(
                order,
                i,
                Severity::Exception,
                FindingCode::InvoicedMoreThanOrdered,
                None,
                format!(
                    "line {line}: {} invoiced, {} ordered",
                    n(invoiced_quantity),
                    n(ordered.quantity)
                ),
            );
        }
        if has_notice && invoiced_quantity > shipped_quantity {
            findings.line(
                order,
                i,
                Severity::Exception,
                FindingCode::InvoicedMoreThanShipped,
                None,
                format!(
                    "line {line}: {} invoiced, {} shipped",
                    n(invoiced_quantity),
                    n(shipped_quantity)
                ),
            );
        }
        if has_invoice && invoiced_quantity < shipped_quantity {
            findings.line(
                order,
                i,
                Severity::Waiting,
                FindingCode::AwaitingInvoiceForShipped,
                None,
                format!(
                    "line {line}: {} shipped, {} invoiced so far",
                    n(shipped_quantity),
                    n(invoiced_quantity)
                ),
            );
        }
    }

    // Missing documents.
    if rules.acknowledgment_required && received.acknowledgments.is_empty() {
        findings.order(
            Severity::Waiting,
            FindingCode::AwaitingAcknowledgment,
            None,
            "no order acknowledgment (855 / ORDRSP) received yet".to_owned(),
        );
    }
    if !has_notice {
        findings.order(
            Severity::Waiting,
            FindingCode::AwaitingShipNotice,
            None,
            "no ship notice (856 / DESADV) received yet".to_owned(),
        );
    }
    if !has_invoice {
        findings.order(
            Severity::Waiting,
            FindingCode::AwaitingInvoice,
            None,
            "no invoice (810 / INVOIC) received yet".to_owned(),
        );
    }

    let order_waiting = findings
        .order
        .iter()
        .any(|f| f.severity == Severity::Waiting);
    let mut summary = Summary {
        lines: count,
        invoiced_amount,
        ..Summary::default()
    };
    let mut lines = Vec::with_capacity(count);
    let parts = acknowledged.into_iter().zip(shipped).zip(invoiced);
    for ((ordered, line_findings), ((acknowledged, shipped), invoiced)) in
        order.lines.iter().zip(&findings.lines).zip(parts)
    {
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
                unit_price: ordered.unit_price,
                delivery_date: ordered.delivery_date,
            },
            acknowledged,
            shipped,
            invoiced,
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
        price_tolerance: *tolerance,
        documents: received.references(),
        summary,
        lines,
        invoices: invoice_checks,
        findings: all,
    }
}
