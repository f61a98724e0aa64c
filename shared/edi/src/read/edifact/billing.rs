//! INVOIC.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::error::Position;
use crate::model::{Charge, ChargeKind, Invoice, InvoiceLine, Quantity};
use crate::read::Fields;
use crate::token::Segment;

use super::{dtm_date, lin_product, other_segment, party, pia_products, qualifier};

/// # Format
/// `BGM+380+{invoice no}+9' DTM+137:{date}:102' RFF+ON:{po}' DTM+171:{po date}:102'
/// NAD+SU+{gln}::9' CUX+2:EUR:4' LIN+1++{gtin}:SRV' IMD+F++:::{description}' QTY+47:{qty}:{unit}'
/// MOA+203:{line amount}' PRI+AAA:{price}' ALC+C++++FC:::{description}' MOA+23:{charge}'
/// UNS+S' MOA+79:{lines}' MOA+124:{tax}' MOA+77:{total}'`; an ALC (header or line) is
/// followed by its amount, `MOA+23` (charge), `MOA+204` (allowance) or `MOA+8` (either).
pub(crate) fn read_invoice(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<Invoice> {
    let mut invoice: Option<Invoice> = None;
    // Room for the usual parties and lines: grown once, not from one. The validation-only
    // pass keeps no party (the invoice is dropped; each is read for its errors).
    let mut parties = Vec::with_capacity(if fields.keeps() { 4 } else { 0 });
    // Each line read: whether a price and a quantity were read for it, and its number for the
    // errors (borrowed: on the validation-only pass the line keeps no copy).
    let mut read_lines: Vec<(bool, bool, Cow<'_, str>)> = Vec::with_capacity(8);
    // The lines themselves, one per line read, for the document: none on the validation-only
    // pass (the invoice is dropped).
    let mut lines: Vec<InvoiceLine> = Vec::with_capacity(if fields.keeps() { 8 } else { 0 });
    let (mut invoice_date, mut po_number, mut po_date, mut currency) = (None, None, None, None);
    let (mut total, mut tax): (Option<Decimal>, Option<Decimal>) = (None, None);
    let mut in_summary = false;
    let mut charges = Vec::new();
    let mut pending_charge: Option<(ChargeKind, Option<String>, Option<String>)> = None;
    let mut last_reference: &[u8] = &[];
    for segment in body {
        match segment.tag() {
            b"BGM" => {
                invoice = Some(Invoice {
                    invoice_number: fields.required_stored(segment, 2, 1, "BGM 1004"),
                    invoice_date: None,
                    po_number: None,
                    po_date: None,
                    currency: None,
                    parties: Vec::new(),
                    lines: Vec::new(),
                    total_amount: Decimal::ZERO,
                    tax_amount: None,
                    charges: Vec::new(),
                });
            }
            b"DTM" if read_lines.is_empty() => match qualifier(segment) {
                b"137" | b"3" => invoice_date = dtm_date(segment, fields),
                b"171" if last_reference == b"ON" => po_date = dtm_date(segment, fields),
                _ => {}
            },
            b"RFF" => {
                last_reference = qualifier(segment);
                if read_lines.is_empty()
                    && po_number.is_none()
                    && matches!(qualifier(segment), b"ON" | b"CO" | b"VN")
                {
                    po_number = fields.stored(segment, 1, 2);
                }
            }
            b"CUX" => currency = fields.stored(segment, 1, 2),
            b"NAD" => {
                let party = party(segment, fields);
                if fields.keeps() {
                    parties.push(party);
                }
            }
            b"LIN" => {
                let number = fields
                    .code(segment, 1, 0)
                    .unwrap_or_else(|| Cow::Owned((read_lines.len() + 1).to_string()));
                let product_ids = lin_product(segment, fields);
                if fields.keeps() {
                    lines.push(InvoiceLine {
                        line_number: number.clone().into_owned(),
                        quantity: Quantity {
                            value: Decimal::ZERO,
                            unit: String::new(),
                        },
                        unit_price: Decimal::ZERO,
                        product_ids,
                        description: None,
                    });
                }
                read_lines.push((false, false, number));
            }
            b"PIA" => {
                let ids = pia_products(segment, fields);
                if let Some(line) = lines.last_mut() {
                    line.product_ids.extend(ids);
                }
            }
            b"IMD" => {
                let description = fields.stored(segment, 3, 4);
                if let Some(line) = lines.last_mut() {
                    line.description = description;
                }
            }
            b"QTY" if qualifier(segment) == b"47" => {
                let quantity = fields.stored_quantity(segment, (1, 2), (1, 3));
                if let (Some((_, quantified, _)), Some(quantity)) =
                    (read_lines.last_mut(), quantity)
                {
                    *quantified = true;
                    if let Some(line) = lines.last_mut() {
                        line.quantity = quantity;
                    }
                }
            }
            b"PRI" if matches!(qualifier(segment), b"AAA" | b"AAB") => {
                let price = fields.decimal(segment, 1, 2);
                if let (Some((priced, _, _)), Some(price)) = (read_lines.last_mut(), price) {
                    *priced = true;
                    if let Some(line) = lines.last_mut() {
                        line.unit_price = price;
                    }
                }
            }
            b"ALC" => {
                pending_charge = match fields.element(segment, 1).raw() {
                    b"C" => Some(ChargeKind::Charge),
                    b"A" => Some(ChargeKind::Allowance),
                    _ => None,
                }
                .map(|kind| {
                    (
                        kind,
                        fields.stored(segment, 5, 1),
                        fields.stored(segment, 5, 4),
                    )
                });
            }
            b"MOA"
                if !in_summary
                    && pending_charge.is_some()
                    && matches!(qualifier(segment), b"8" | b"23" | b"204") =>
            {
                if let (Some((kind, code, description)), Some(amount)) =
                    (pending_charge.take(), fields.decimal(segment, 1, 2))
                {
                    charges.push(Charge {
                        kind,
                        code,
                        amount: amount.abs(),
                        description,
                    });
                }
            }
            b"UNS" => in_summary = true,
            b"MOA" if in_summary => match qualifier(segment) {
                b"77" | b"86" => total = fields.decimal(segment, 1, 2),
                b"124" | b"176" => tax = fields.decimal(segment, 1, 2),
                _ => {}
            },
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut invoice) = invoice else {
        fields.missing_segment(at, "BGM");
        return None;
    };
    let Some(total) = total else {
        fields.missing_segment(at, "MOA+77");
        return None;
    };
    // The lines go with the lines read, one each (none on the validation-only pass).
    let mut kept = Vec::with_capacity(lines.len());
    let mut lines = lines.into_iter();
    for (priced, quantified, number) in read_lines {
        let line = lines.next();
        if !quantified {
            fields.missing_segment(at, &format!("QTY+47 for line {number}"));
        } else if !priced {
            fields.missing_segment(at, &format!("PRI+AAA for line {number}"));
        } else if let Some(line) = line {
            kept.push(line);
        }
    }
    invoice.invoice_date = invoice_date;
    invoice.po_number = po_number;
    invoice.po_date = po_date;
    invoice.currency = currency;
    invoice.parties = parties;
    invoice.lines = kept;
    invoice.total_amount = total;
    invoice.tax_amount = tax;
    invoice.charges = charges;
    Some(invoice)
}
