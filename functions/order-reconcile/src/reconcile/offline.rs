//! Offline reconciliation: an order (850 / ORDERS file, or JSON) and any set of partner
//! files in, the report the function files out — the same engine ([`super::reconcile`]) and
//! the same report ([`super::report`]), no ledger, no xECM. The `gridlink-reconcile` command
//! is a thin wrapper around [`reconcile_files`].
//!
//! # Format
//! The order is either an X12 850 / EDIFACT ORDERS interchange (mapped by
//! [`super::baseline`]), or JSON in one of two shapes:
//! - the engine's order record: `{"po_number": "4500001234", "currency": "EUR", "lines":
//!   [{"line": "10", "material": "M-STEEL-BOLT-12", "quantity": "5000", "unit": "EA",
//!   "unit_price": "0.12", "delivery_date": "2026-11-20", "ship_date": null}]}`;
//! - the order category's values, as the xECM seed holds them: `{"PO Number": "4500001234",
//!   "Currency": "EUR", "Lines": [{"Line": 10, "Material": "M-STEEL-BOLT-12", "Quantity":
//!   5000, "Unit Price": "0.12", "Delivery Date": "2026-11-20"}]}` (`Unit` and `Ship Date`
//!   optional; without `PO Number`, the PO number given, else the first partner document's).
//!
//! Partner files are X12 or EDIFACT interchanges, any number of documents each: 855 / ORDRSP,
//! 856 / DESADV, 810 / INVOIC are reconciled when they name the order (a multi-order ship
//! notice when one of its parts does); 997 / 999 / CONTRL count when they answer an order
//! (offline there are no control numbers to match them to what was sent). Other documents,
//! and documents of other orders, are skipped with a note. A business document sent twice
//! counts once: the later file wins, as the latest revision does in the function.

use gridlink_edi::{BusinessDocument, EdiDate};
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::baseline::order_from_purchase_order;
use super::functional_ack::{AcknowledgedTransaction, classify};
use super::model::{
    DocumentKind, DocumentRef, OrderRecord, OrderedLine, PartnerDocuments, Received,
};
use super::order::{
    CURRENCY, DELIVERY_DATE, LINE, LINES, MATERIAL, QUANTITY, SHIP_DATE, UNIT, UNIT_PRICE,
};
use super::outcome::Reconciliation;
use super::policy::Rules;

/// Why offline reconciliation could not run.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// The order file is neither a purchase order interchange nor order JSON.
    #[error("order file {file}: {problem}")]
    Order { file: String, problem: String },
    /// A partner file is not a readable interchange.
    #[error("partner file {file}: {problem}")]
    Document { file: String, problem: String },
}

/// One file: its name (for messages and the report) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct InputFile<'a> {
    /// The name shown in notes and errors.
    pub name: &'a str,
    /// The content.
    pub bytes: &'a [u8],
}

/// What an offline run produced.
#[derive(Debug, Clone)]
pub struct OfflineRun {
    /// The reconciliation (the report's content).
    pub reconciliation: Reconciliation,
    /// The partner who sent the documents (the first document's sender), whose rules apply.
    pub partner: Option<String>,
    /// What was skipped, and why.
    pub notes: Vec<String>,
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn decimal(value: &Value) -> Option<Decimal> {
    text(value).and_then(|t| t.replace(',', ".").parse().ok())
}

fn date(value: &Value) -> Option<EdiDate> {
    let text = text(value)?;
    EdiDate::parse_ccyymmdd(&text.get(..10).unwrap_or(&text).replace('-', ""))
}

/// The order record of category values (`Lines`, `Currency`, `PO Number`).
fn order_from_category(values: &Value, po_number: Option<&str>) -> Option<OrderRecord> {
    let rows = values.get(LINES)?.as_array()?;
    let lines = rows
        .iter()
        .filter_map(|row| {
            Some(OrderedLine {
                line: text(row.get(LINE)?)?,
                material: row.get(MATERIAL).and_then(text),
                quantity: row.get(QUANTITY).and_then(decimal).unwrap_or_default(),
                unit: row.get(UNIT).and_then(text),
                unit_price: row.get(UNIT_PRICE).and_then(decimal),
                delivery_date: row.get(DELIVERY_DATE).and_then(date),
                ship_date: row.get(SHIP_DATE).and_then(date),
            })
        })
        .collect();
    Some(OrderRecord {
        po_number: values
            .get("PO Number")
            .and_then(text)
            .or_else(|| po_number.map(str::to_owned))
            .unwrap_or_default(),
        currency: values.get(CURRENCY).and_then(text),
        lines,
    })
}

/// The order record of an order file (see the module documentation).
pub fn read_order(
    file: InputFile<'_>,
    po_number: Option<&str>,
) -> Result<OrderRecord, OfflineError> {
    let problem = |problem: String| OfflineError::Order {
        file: file.name.to_owned(),
        problem,
    };
    if gridlink_edi::detect(file.bytes).is_some() {
        let interchanges =
            gridlink_edi::parse_interchanges(file.bytes).map_err(|e| problem(e.to_string()))?;
        return interchanges
            .iter()
            .flat_map(|i| i.documents.iter())
            .find_map(|d| match d {
                BusinessDocument::PurchaseOrder(po)
                    if po_number.is_none_or(|wanted| wanted.trim() == po.po_number.trim()) =>
                {
                    Some(order_from_purchase_order(po))
                }
                _ => None,
            })
            .ok_or_else(|| problem("holds no purchase order (850 / ORDERS) for the order".into()));
    }
    let json: Value = serde_json::from_slice(file.bytes)
        .map_err(|e| problem(format!("neither an interchange nor JSON: {e}")))?;
    if json.get("lines").is_some() {
        let mut order: OrderRecord =
            serde_json::from_value(json).map_err(|e| problem(e.to_string()))?;
        if order.po_number.trim().is_empty()
            && let Some(po) = po_number
        {
            po.trim().clone_into(&mut order.po_number);
        }
        return Ok(order);
    }
    order_from_category(&json, po_number).ok_or_else(|| {
        problem("JSON with neither `lines` (order record) nor `Lines` (category)".into())
    })
}

fn reference(kind: DocumentKind, number: &str, sender: &str, bytes: &[u8]) -> DocumentRef {
    DocumentRef {
        kind,
        number: number.to_owned(),
        sender: sender.to_owned(),
        revision: hex::encode(Sha256::digest(bytes)),
        received_at: String::new(),
    }
}

/// Keeps `received` as the latest revision of its business document.
fn keep_latest<T>(list: &mut Vec<Received<T>>, received: Received<T>) {
    list.retain(|r| {
        (r.reference.sender.as_str(), r.reference.number.as_str())
            != (
                received.reference.sender.as_str(),
                received.reference.number.as_str(),
            )
    });
    list.push(received);
}

/// Every document of `files` that concerns `po_number`; the first sender; notes on what was
/// skipped.
pub fn read_documents(
    files: &[InputFile<'_>],
    po_number: &str,
) -> Result<(PartnerDocuments, Option<String>, Vec<String>), OfflineError> {
    let po = po_number.trim();
    let mut documents = PartnerDocuments::default();
    let mut partner = None;
    let mut notes = Vec::new();
    for file in files {
        let interchanges =
            gridlink_edi::parse_interchanges(file.bytes).map_err(|e| OfflineError::Document {
                file: file.name.to_owned(),
                problem: e.to_string(),
            })?;
        for interchange in &interchanges {
            let sender = interchange.header.sender.to_string();
            for document in &interchange.documents {
                let names_order = document.po_numbers().iter().any(|n| n.trim() == po);
                let kept = match document {
                    BusinessDocument::OrderAcknowledgment(ack) if names_order => {
                        let reference = reference(
                            DocumentKind::OrderAcknowledgment,
                            &ack.po_number,
                            &sender,
                            file.bytes,
                        );
                        keep_latest(
                            &mut documents.acknowledgments,
                            Received {
                                reference,
                                document: ack.clone(),
                            },
                        );
                        true
                    }
                    BusinessDocument::ShipNotice(notice) if names_order => {
                        let reference = reference(
                            DocumentKind::ShipNotice,
                            &notice.shipment_id,
                            &sender,
                            file.bytes,
                        );
                        keep_latest(
                            &mut documents.ship_notices,
                            Received {
                                reference,
                                document: notice.clone(),
                            },
                        );
                        true
                    }
                    BusinessDocument::Invoice(invoice) if names_order => {
                        let reference = reference(
                            DocumentKind::Invoice,
                            &invoice.invoice_number,
                            &sender,
                            file.bytes,
                        );
                        keep_latest(
                            &mut documents.invoices,
                            Received {
                                reference,
                                document: invoice.clone(),
                            },
                        );
                        true
                    }
                    BusinessDocument::FunctionalAck(ack) => {
                        let answered: Vec<_> = classify(ack)
                            .into_iter()
                            .filter(AcknowledgedTransaction::answers_an_order)
                            .collect();
                        let any = !answered.is_empty();
                        for transaction in answered {
                            let number = transaction
                                .control_number
                                .clone()
                                .or_else(|| transaction.group_control_number.clone())
                                .unwrap_or_default();
                            let reference = reference(
                                DocumentKind::FunctionalAck,
                                &number,
                                &sender,
                                file.bytes,
                            );
                            keep_latest(
                                &mut documents.functional_acks,
                                Received {
                                    reference,
                                    document: transaction,
                                },
                            );
                        }
                        any
                    }
                    _ => false,
                };
                if kept {
                    partner.get_or_insert_with(|| sender.clone());
                } else {
                    notes.push(format!(
                        "{}: skipped a {} that does not concern order {po}",
                        file.name,
                        document.kind()
                    ));
                }
            }
        }
    }
    Ok((documents, partner, notes))
}

/// The first PO number any partner file names (for an order given without one).
pub fn first_po_number(files: &[InputFile<'_>]) -> Option<String> {
    files.iter().find_map(|file| {
        gridlink_edi::parse_interchanges(file.bytes)
            .ok()?
            .iter()
            .flat_map(|i| i.documents.iter())
            .find_map(|d| d.po_numbers().into_iter().next())
    })
}

/// Reconciles the order of `order_file` against `files`, with the rules `rules_for` gives
/// the sending partner (`None` when no document concerns the order).
pub fn reconcile_files(
    order_file: InputFile<'_>,
    files: &[InputFile<'_>],
    po_number: Option<&str>,
    rules_for: impl FnOnce(Option<&str>) -> Rules,
) -> Result<OfflineRun, OfflineError> {
    let wanted = po_number
        .map(str::to_owned)
        .or_else(|| first_po_number(files));
    let order = read_order(order_file, wanted.as_deref())?;
    let (documents, partner, notes) = read_documents(files, &order.po_number)?;
    let rules = rules_for(partner.as_deref());
    Ok(OfflineRun {
        reconciliation: super::reconcile(&order, &documents, &rules),
        partner,
        notes,
    })
}
