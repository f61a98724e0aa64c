//! The totals phase: each invoice's own arithmetic — the stated total (TDS01 / MOA+77) must
//! be Σ quantity × unit price over its lines, plus charges, less allowances (SAC / ALC +
//! MOA), plus tax (TXI / MOA+124), to the cent — and its currency the order's.

use rust_decimal::Decimal;

use super::lines::{Findings, n};
use super::model::{OrderRecord, PartnerDocuments};
use super::outcome::{FindingCode, InvoiceCheck};

/// An invoice total may differ from its lines, charges and tax by rounding, at most one cent.
const TOTAL_ROUNDING: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// One check per invoice, in the order received.
pub(super) fn totals_phase(
    order: &OrderRecord,
    received: &PartnerDocuments,
    findings: &mut Findings,
) -> Vec<InvoiceCheck> {
    let mut checks = Vec::with_capacity(received.invoices.len());
    for invoice in &received.invoices {
        let document = &invoice.document;
        let number = document.invoice_number.as_str();
        if let (Some(ordered), Some(billed)) = (&order.currency, &document.currency)
            && !ordered.trim().eq_ignore_ascii_case(billed.trim())
        {
            findings.order(
                FindingCode::CurrencyMismatch,
                Some(number),
                format!("invoice {number} is in {billed}, the order in {ordered}"),
            );
        }
        let line_total = document.line_total();
        let charges = document.charge_total();
        let tax = document.tax_amount.unwrap_or_default();
        let expected = line_total + charges + tax;
        if (document.total_amount - expected).abs() > TOTAL_ROUNDING {
            findings.order(
                FindingCode::InvoiceTotalMismatch,
                Some(number),
                format!(
                    "invoice {number} states a total of {}, its lines ({}), charges less allowances ({}) and tax ({}) add up to {}",
                    n(document.total_amount),
                    n(line_total),
                    n(charges),
                    n(tax),
                    n(expected)
                ),
            );
        }
        checks.push(InvoiceCheck {
            invoice_number: number.to_owned(),
            stated_total: document.total_amount,
            line_total,
            charges,
            tax: document.tax_amount,
            currency: document.currency.clone(),
        });
    }
    checks
}
