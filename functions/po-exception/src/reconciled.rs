//! Exceptions from order-reconcile's result: when an order's `Match Status` is `exceptions`,
//! the discrepancy report order-reconcile filed in the workspace's `Reconciliation` folder
//! yields one exception per finding kind and line, written as rows of the order's
//! `PO Exception` set and from there published like every other row.
//!
//! po-exception reads the report, never order-reconcile's ledger (one owner per record).
//!
//! # Format
//! - **Stable ids**: `REC-<line>-<code>` (`REC-20-ack_price_changed`), `REC-<code>` for a
//!   finding about the whole order (`REC-invoice_total_mismatch`, written with Type `other`
//!   and no `Line`). A re-reconciliation that finds the same thing again names the same
//!   exception, so nothing is duplicated; two findings of one kind on one line (two invoices)
//!   are one exception whose `Actual` lists both.
//! - **Columns written**: `Exception ID`, `Type` (from the finding code: see [`kind_of`]),
//!   `Line`, `Expected`, `Actual` (from the report's line: ordered vs confirmed, shipped or
//!   invoiced, with the currency or unit), `Resolution` (the report's sentence). Rows are
//!   appended; a row of an earlier reconciliation whose `Expected` / `Actual` changed is
//!   rewritten in those columns (its revision changes, so it is republished once).
//!   Nothing else of the set is touched.
//! - **Moved on**: a `REC-` exception the current reconciliation no longer finds (`Match
//!   Status` now `matched` or `waiting_for_documents`, or the report no longer lists it) is
//!   resolved with a timeline entry naming the report (document id and SHA-256); one found
//!   again later is reopened and published anew.
//! - The report: the newest `*.json` document in `RECONCILIATION_FOLDER` whose `po_number`
//!   is the order's. `Match Status` `exceptions` with no readable report changes nothing
//!   (logged): an exception is never resolved on a guess.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use gridlink_xecm::{AttributeValue, NamedAttributes, NodeId};
use serde_json::Value;

use crate::PoException;
use crate::error::ExceptionError;
use crate::machine::FileRef;
use crate::row::{RawRow, text};

/// The prefix of the exceptions reconciliation yields.
pub const PREFIX: &str = "REC-";

/// Largest report read (a report of 99 lines is far below).
const MAX_REPORT_BYTES: u64 = 32 * 1024 * 1024;

/// Whether an exception id is one reconciliation yields.
pub fn is_reconciled(exception_id: &str) -> bool {
    exception_id.starts_with(PREFIX)
}

/// One exception a reconciliation finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `REC-…`.
    pub exception_id: String,
    /// One of [`crate::row::TYPES`].
    pub kind: String,
    /// The order line (`None`: the whole order).
    pub line: Option<i64>,
    /// What the order says.
    pub expected: String,
    /// What the partner's documents say.
    pub actual: String,
    /// The report's sentence(s).
    pub message: String,
}

/// What the order's current reconciliation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// The exceptions it finds, by id.
    pub found: BTreeMap<String, Found>,
    /// The report read (absent when `Match Status` is not `exceptions`).
    pub report: Option<FileRef>,
    /// The `Match Status`.
    pub match_status: String,
}

impl Reconciled {
    /// Why a `REC-` exception not found any more is resolved.
    pub fn gone_reason(&self, exception_id: &str) -> String {
        match &self.report {
            Some(report) => format!(
                "resolved: the re-reconciliation no longer finds {} (report {}, sha256 {})",
                exception_id.trim_start_matches(PREFIX),
                report.document_id,
                &report.sha256[..12.min(report.sha256.len())]
            ),
            None => format!(
                "resolved: the order's Match Status is now {} (no discrepancy left)",
                self.match_status
            ),
        }
    }
}

/// The exception type a finding code is about.
pub fn kind_of(code: &str) -> &'static str {
    match code {
        "ack_price_changed" | "price_outside_tolerance" | "price_unknown" => "price",
        "ack_quantity_changed"
        | "ack_backordered"
        | "short_shipment"
        | "over_shipment"
        | "invoiced_more_than_shipped"
        | "invoiced_more_than_ordered"
        | "invoiced_less_than_shipped"
        | "shipped_not_invoiced" => "quantity",
        "ack_date_changed" => "date",
        "not_acknowledged" => "missing_confirmation",
        "ack_changed" => "unconfirmed_change",
        _ => "other",
    }
}

fn s(value: &Value) -> Option<String> {
    match value {
        Value::String(t) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn with(amount: Option<String>, suffix: Option<&str>) -> String {
    match (amount, suffix) {
        (Some(a), Some(u)) if !u.is_empty() => format!("{a} {u}"),
        (Some(a), _) => a,
        (None, _) => String::new(),
    }
}

/// Expected and actual of a finding, from its line of the report.
fn values_of(
    code: &str,
    finding: &Value,
    line: Option<&Value>,
    currency: Option<&str>,
) -> (String, String) {
    let Some(line) = line else {
        return (String::new(), String::new());
    };
    let ordered = &line["ordered"];
    let ack = &line["acknowledged"];
    let unit = s(&ordered["unit"]);
    let unit = unit.as_deref();
    let invoice_price = || {
        let wanted = s(&finding["document"]);
        line["invoiced"]["invoices"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| wanted.is_none() || s(&i["invoice_number"]) == wanted)
            .and_then(|i| s(&i["unit_price"]))
    };
    match code {
        "ack_price_changed" => (
            with(s(&ordered["unit_price"]), currency),
            with(s(&ack["unit_price"]), currency),
        ),
        "price_outside_tolerance" | "price_unknown" => (
            with(s(&ordered["unit_price"]), currency),
            with(invoice_price(), currency),
        ),
        "ack_quantity_changed" | "ack_backordered" => (
            with(s(&ordered["quantity"]), unit),
            with(s(&ack["quantity"]), unit),
        ),
        "short_shipment" | "over_shipment" => (
            with(s(&ordered["committed"]), unit),
            with(s(&line["shipped"]["quantity"]), unit),
        ),
        "invoiced_more_than_shipped" | "invoiced_less_than_shipped" | "shipped_not_invoiced" => (
            with(s(&line["shipped"]["quantity"]), unit),
            with(
                s(&line["invoiced"]["quantity"]).or_else(|| Some("0".into())),
                unit,
            ),
        ),
        "invoiced_more_than_ordered" => (
            with(s(&ordered["quantity"]), unit),
            with(s(&line["invoiced"]["quantity"]), unit),
        ),
        "ack_date_changed" => {
            let expected = match ack["date_kind"].as_str() {
                Some("shipment") => s(&ordered["ship_date"]),
                _ => s(&ordered["delivery_date"]),
            };
            (
                expected.unwrap_or_default(),
                s(&ack["date"]).unwrap_or_default(),
            )
        }
        "not_acknowledged" => (
            with(s(&ordered["quantity"]), unit),
            "not acknowledged".to_owned(),
        ),
        "ack_rejected" => (with(s(&ordered["quantity"]), unit), "rejected".to_owned()),
        _ => (String::new(), String::new()),
    }
}

/// A positive line number, as the order has it (`"0020"` → 20).
fn line_number(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

/// The exceptions of a discrepancy report (the JSON order-reconcile files; see its
/// `reconcile::outcome`): the findings of severity `exception`, one per code and line.
pub fn exceptions_of(report: &Value) -> BTreeMap<String, Found> {
    let currency = s(&report["currency"]);
    let lines: BTreeMap<String, &Value> = report["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| Some((s(&l["line"])?, l)))
        .collect();
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for finding in report["findings"].as_array().into_iter().flatten() {
        if finding["severity"] != "exception" {
            continue;
        }
        let Some(code) = s(&finding["code"]) else {
            continue;
        };
        let line_text = s(&finding["line"]);
        let line = line_text.as_deref().and_then(line_number);
        let exception_id = match line {
            Some(n) => format!("{PREFIX}{n}-{code}"),
            // A line that is no number (an unknown line the partner named) is named as it is.
            None => match &line_text {
                Some(t) => format!("{PREFIX}{}-{code}", crate::row::safe_name(t)),
                None => format!("{PREFIX}{code}"),
            },
        };
        let exception_id: String = exception_id.chars().take(40).collect();
        let kind = if line.is_some() {
            kind_of(&code)
        } else {
            "other"
        };
        let (expected, actual) = values_of(
            &code,
            finding,
            line_text.as_deref().and_then(|l| lines.get(l).copied()),
            currency.as_deref(),
        );
        let message = s(&finding["message"]).unwrap_or_default();
        if let Some(known) = found.get_mut(&exception_id) {
            if !actual.is_empty() && !known.actual.split(", ").any(|a| a == actual) {
                known.actual = format!("{}, {actual}", known.actual);
            }
            if !known.message.contains(&message) {
                known.message = format!("{} {message}", known.message);
            }
        } else {
            let actual = if actual.is_empty() && expected.is_empty() {
                message.clone()
            } else {
                actual
            };
            found.insert(
                exception_id.clone(),
                Found {
                    exception_id,
                    kind: kind.to_owned(),
                    line,
                    expected,
                    actual,
                    message,
                },
            );
        }
    }
    found
}

/// The columns reconciliation owns in a `REC-` row.
fn columns(found: &Found) -> NamedAttributes {
    let mut row = NamedAttributes::new();
    row.insert("Exception ID".into(), found.exception_id.clone().into());
    row.insert("Type".into(), found.kind.clone().into());
    row.insert(
        "Line".into(),
        found
            .line
            .map_or(AttributeValue::Empty, AttributeValue::Integer),
    );
    row.insert("Expected".into(), found.expected.clone().into());
    row.insert("Actual".into(), found.actual.clone().into());
    row.insert("Resolution".into(), found.message.clone().into());
    row
}

/// The set's rows with what `reconciled` finds merged in: new exceptions appended, changed
/// `Expected` / `Actual` rewritten. `None` when nothing changes. Only the columns
/// reconciliation owns are named (other rows are written empty, which leaves them as
/// they are).
pub fn merged(rows: &[RawRow], reconciled: &Reconciled) -> Option<Vec<NamedAttributes>> {
    let mut out: Vec<NamedAttributes> = rows.iter().map(|_| NamedAttributes::new()).collect();
    let mut changed = false;
    for found in reconciled.found.values() {
        let existing = rows
            .iter()
            .find(|r| text(&r.values, "Exception ID").as_deref() == Some(&found.exception_id));
        match existing {
            None => {
                out.push(columns(found));
                changed = true;
            }
            Some(raw) => {
                let differs = |column: &str, wanted: &str| {
                    text(&raw.values, column).unwrap_or_default() != wanted
                };
                if differs("Expected", &found.expected) || differs("Actual", &found.actual) {
                    let target = &mut out[raw.index];
                    target.insert("Expected".into(), found.expected.clone().into());
                    target.insert("Actual".into(), found.actual.clone().into());
                    target.insert("Resolution".into(), found.message.clone().into());
                    changed = true;
                }
            }
        }
    }
    changed.then_some(out)
}

impl PoException {
    /// What the order's current reconciliation finds, when it has one (`Match Status` set).
    /// `None` also when the status is `exceptions` and no report of the order can be read
    /// (nothing is decided on a guess).
    pub(crate) async fn reconciled(
        &self,
        workspace: NodeId,
        order: &NamedAttributes,
        po_number: &str,
    ) -> Result<Option<Reconciled>, ExceptionError> {
        let Some(match_status) = text(order, "Match Status") else {
            return Ok(None);
        };
        if match_status != "exceptions" {
            return Ok(Some(Reconciled {
                found: BTreeMap::new(),
                report: None,
                match_status,
            }));
        }
        let Some((report, value)) = self.report(workspace, po_number).await? else {
            tracing::warn!(
                po_number,
                folder = %self.config.reconciliation_folder,
                "Match Status is exceptions but no discrepancy report of the order reads; the reconciliation's exceptions wait"
            );
            return Ok(None);
        };
        Ok(Some(Reconciled {
            found: exceptions_of(&value),
            report: Some(report),
            match_status,
        }))
    }

    /// The newest discrepancy report of `po_number` in the reconciliation folder.
    async fn report(
        &self,
        workspace: NodeId,
        po_number: &str,
    ) -> Result<Option<(FileRef, Value)>, ExceptionError> {
        let xecm = self.platform.xecm.as_ref();
        let Some(folder) = xecm
            .node_at_path(workspace, &self.config.reconciliation_folder)
            .await?
        else {
            return Ok(None);
        };
        let mut documents: Vec<_> = xecm
            .list_children(folder.id)
            .await?
            .into_iter()
            .filter(|d| d.name.to_ascii_lowercase().ends_with(".json"))
            .filter(|d| d.size.is_none_or(|size| size <= MAX_REPORT_BYTES))
            .collect();
        documents.sort_by_key(|d| std::cmp::Reverse(d.modify_date));
        for document in documents {
            let bytes: Vec<u8> = xecm
                .download_document(document.id)
                .await?
                .body
                .try_fold(Vec::new(), |mut all, chunk| async move {
                    all.extend_from_slice(&chunk);
                    Ok::<_, gridlink_xecm::XecmError>(all)
                })
                .await?;
            let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
                continue;
            };
            if s(&value["po_number"]).as_deref() != Some(po_number.trim()) {
                continue;
            }
            return Ok(Some((
                FileRef {
                    name: document.name.clone(),
                    document_id: document.id.get(),
                    sha256: gridlink_flow::payload_hash(&bytes),
                    attachment_id: None,
                },
                value,
            )));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report() -> Value {
        json!({"po_number": "4500001234", "status": "exceptions", "currency": "EUR",
            "lines": [
              {"line": "10", "ordered": {"quantity": "5000", "unit": "EA", "unit_price": "0.12",
                 "delivery_date": "2026-11-20", "ship_date": null, "committed": "5000"},
               "acknowledged": {"outcome": "changed", "quantity": "4990", "unit_price": "0.12",
                 "date": "2026-11-24", "date_kind": "delivery"},
               "shipped": {"quantity": "0", "shipments": []}, "invoiced": {"quantity": "0", "invoices": []}},
              {"line": "20", "ordered": {"quantity": "5000", "unit": "EA", "unit_price": "0.08",
                 "delivery_date": "2026-11-20", "ship_date": null, "committed": "5000"},
               "acknowledged": {"outcome": "changed", "quantity": "5000", "unit_price": "0.10"},
               "shipped": {"quantity": "0", "shipments": []},
               "invoiced": {"quantity": "10", "invoices": [
                   {"invoice_number": "INV-1", "quantity": "5", "unit_price": "0.11"},
                   {"invoice_number": "INV-2", "quantity": "5", "unit_price": "0.12"}]}}],
            "findings": [
              {"severity": "exception", "code": "ack_quantity_changed", "line": "10", "document": "SO-1", "message": "line 10: quantity"},
              {"severity": "exception", "code": "ack_date_changed", "line": "10", "document": "SO-1", "message": "line 10: date"},
              {"severity": "exception", "code": "ack_price_changed", "line": "20", "document": "SO-1", "message": "line 20: price"},
              {"severity": "exception", "code": "price_outside_tolerance", "line": "20", "document": "INV-1", "message": "INV-1 price"},
              {"severity": "exception", "code": "price_outside_tolerance", "line": "20", "document": "INV-2", "message": "INV-2 price"},
              {"severity": "exception", "code": "invoice_total_mismatch", "line": null, "document": "INV-1", "message": "total"},
              {"severity": "waiting", "code": "awaiting_ship_notice", "line": null, "document": null, "message": "no ship notice"}]})
    }

    #[test]
    fn one_exception_per_code_and_line_with_expected_and_actual() {
        let found = exceptions_of(&report());
        let ids: Vec<_> = found.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            [
                "REC-10-ack_date_changed",
                "REC-10-ack_quantity_changed",
                "REC-20-ack_price_changed",
                "REC-20-price_outside_tolerance",
                "REC-invoice_total_mismatch"
            ],
            "waiting findings are no exceptions"
        );
        let quantity = &found["REC-10-ack_quantity_changed"];
        assert_eq!(
            (quantity.kind.as_str(), quantity.line),
            ("quantity", Some(10))
        );
        assert_eq!(
            (quantity.expected.as_str(), quantity.actual.as_str()),
            ("5000 EA", "4990 EA")
        );
        let date = &found["REC-10-ack_date_changed"];
        assert_eq!(
            (date.expected.as_str(), date.actual.as_str()),
            ("2026-11-20", "2026-11-24")
        );
        let price = &found["REC-20-ack_price_changed"];
        assert_eq!(
            (price.expected.as_str(), price.actual.as_str()),
            ("0.08 EUR", "0.10 EUR")
        );
        let invoiced = &found["REC-20-price_outside_tolerance"];
        assert_eq!(
            invoiced.actual, "0.11 EUR, 0.12 EUR",
            "two invoices, one exception"
        );
        let order = &found["REC-invoice_total_mismatch"];
        assert_eq!((order.kind.as_str(), order.line), ("other", None));
        assert_eq!(order.actual, "total", "no values: the report's sentence");
    }

    #[test]
    fn merging_appends_new_rewrites_changed_and_is_idempotent() {
        let reconciled = Reconciled {
            found: exceptions_of(&report()),
            report: None,
            match_status: "exceptions".into(),
        };
        let buyer = RawRow {
            index: 0,
            values: [("Exception ID".to_owned(), AttributeValue::from("EXC-1"))]
                .into_iter()
                .collect(),
        };
        let merged_rows = merged(std::slice::from_ref(&buyer), &reconciled).expect("appended");
        assert_eq!(merged_rows.len(), 6);
        assert!(merged_rows[0].is_empty(), "the buyer's row is left alone");
        let as_read: Vec<RawRow> = std::iter::once(buyer)
            .chain(
                merged_rows
                    .into_iter()
                    .skip(1)
                    .enumerate()
                    .map(|(i, values)| RawRow {
                        index: i + 1,
                        values,
                    }),
            )
            .collect();
        assert_eq!(
            merged(&as_read, &reconciled),
            None,
            "the same result again: nothing"
        );
        let mut changed = reconciled.clone();
        if let Some(f) = changed.found.get_mut("REC-20-ack_price_changed") {
            f.actual = "0.11 EUR".into();
        }
        let rewritten = merged(&as_read, &changed).expect("rewritten");
        assert_eq!(rewritten.len(), as_read.len(), "no new row");
        let index = as_read
            .iter()
            .find(|r| {
                text(&r.values, "Exception ID").as_deref() == Some("REC-20-ack_price_changed")
            })
            .map(|r| r.index)
            .expect("row");
        assert_eq!(
            text(&rewritten[index], "Actual").as_deref(),
            Some("0.11 EUR")
        );
    }
}
