//! 810 invoice.

use rust_decimal::Decimal;

use crate::error::{EdiError, Position};
use crate::model::{Charge, ChargeKind, Invoice, InvoiceLine};
use crate::read::Fields;
use crate::token::Segment;

use super::{other_segment, party_segment, product_ids};

/// # Format
/// `BIG*{invoice date}*{invoice no}*{po date}*{po}~ CUR*SE*USD~ N1*VN*{name}*UL*{gln}~
/// IT1*{line}*{qty}*{uom}*{unit price}**{qual}*{id}~ PID*F****{description}~
/// TDS*{total, implied 2 decimals: 123456 = 1234.56}~ TXI*ST*{tax}~
/// SAC*{C|A}*{code}***{amount, implied 2 decimals}~ CTT*{lines}~`
pub(crate) fn read_invoice(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<Invoice> {
    let mut invoice: Option<Invoice> = None;
    let mut parties = Vec::new();
    let mut lines: Vec<InvoiceLine> = Vec::new();
    let mut currency = None;
    let mut total = None;
    let mut tax: Option<Decimal> = None;
    let mut charges = Vec::new();
    for segment in body {
        match segment.tag() {
            b"BIG" => {
                invoice = Some(Invoice {
                    invoice_date: fields.date(segment, 1, 0),
                    invoice_number: fields.required(segment, 2, 0, "BIG02"),
                    po_date: fields.date(segment, 3, 0),
                    po_number: fields.text(segment, 4, 0),
                    currency: None,
                    parties: Vec::new(),
                    lines: Vec::new(),
                    total_amount: Decimal::ZERO,
                    tax_amount: None,
                    charges: Vec::new(),
                });
            }
            b"CUR" => currency = fields.text(segment, 2, 0),
            b"IT1" => {
                let line_number = fields
                    .text(segment, 1, 0)
                    .unwrap_or_else(|| (lines.len() + 1).to_string());
                let quantity = fields.quantity(segment, (2, 0), (3, 0));
                let unit_price = fields.decimal(segment, 4, 0);
                if segment.element(2).is_empty() {
                    fields.required(segment, 2, 0, "IT102");
                }
                if segment.element(4).is_empty() {
                    fields.required(segment, 4, 0, "IT104");
                }
                if let (Some(quantity), Some(unit_price)) = (quantity, unit_price) {
                    lines.push(InvoiceLine {
                        line_number,
                        quantity,
                        unit_price,
                        product_ids: product_ids(segment, 6, fields),
                        description: None,
                    });
                }
            }
            b"PID" => {
                if let Some(line) = lines.last_mut() {
                    line.description = fields.text(segment, 5, 0);
                }
            }
            b"TDS" => total = implied_cents(segment, fields, 1, "TDS01"),
            b"SAC" => charges.extend(charge(segment, fields)),
            b"TXI" => {
                if let Some(amount) = fields.decimal(segment, 2, 0) {
                    tax = Some(tax.unwrap_or_default() + amount);
                }
            }
            _ if party_segment(segment, &mut parties, fields) => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut invoice) = invoice else {
        fields.missing_segment(at, "BIG");
        return None;
    };
    let Some(total) = total else {
        fields.missing_segment(at, "TDS");
        return None;
    };
    invoice.total_amount = total;
    invoice.tax_amount = tax;
    invoice.charges = charges;
    invoice.currency = currency;
    invoice.parties = parties;
    invoice.lines = lines;
    Some(invoice)
}

/// `SAC*{C|A}*{code}***{amount, N2}**********{description}`: a charge or allowance; `None`
/// for `N` (no charge) and for a SAC without an amount.
fn charge(segment: &Segment<'_>, fields: &mut Fields<'_>) -> Option<Charge> {
    let kind = match segment.element(1).raw() {
        b"C" => ChargeKind::Charge,
        b"A" => ChargeKind::Allowance,
        _ => return None,
    };
    if segment.element(5).is_empty() {
        return None;
    }
    Some(Charge {
        kind,
        code: fields.text(segment, 2, 0),
        amount: implied_cents(segment, fields, 5, "SAC05")?.abs(),
        description: fields.text(segment, 15, 0),
    })
}

/// TDS01 and SAC05 are type N2: an integer count of cents.
fn implied_cents(
    segment: &Segment<'_>,
    fields: &mut Fields<'_>,
    n: usize,
    name: &str,
) -> Option<Decimal> {
    let text = fields.required(segment, n, 0, name);
    if text.is_empty() {
        return None;
    }
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let parsed =
        if !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<i64>().ok().map(|cents| Decimal::new(cents, 2))
        } else {
            None
        };
    if parsed.is_none() {
        fields.errors.push(EdiError::InvalidNumber {
            at: segment.position_of(n, None),
            value: text,
        });
    }
    parsed
}
