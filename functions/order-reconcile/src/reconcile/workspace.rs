//! An order workspace from the buyer's own 850 / ORDERS file, in the xECM simulator's seed
//! format (`local/xecm-sim/src/seed.rs`): how an integrator brings a real order into the local
//! stack (`gridlink-local order-from-850`, `gridlink-local up --seed DIR`).
//!
//! # Mapping
//! - workspace: type `type_id` (the demo's `Purchase Order` type is 31), name `PO {po}`,
//!   business object `{po}` (BEG03 / BGM 1004);
//! - `Purchase Order` category: `PO Number`, `Supplier Number` (the supplier workspace the
//!   order belongs to — its `Trading Partner ID` is the partner order-reconcile expects),
//!   `Order Date` (BEG05 / DTM+137), `Status` `Sent`, `Currency` (CUR02 / CUX), and `Lines`
//!   as [`super::baseline`] maps them: `Line`, `Material`, `Quantity`, `Unit Price`,
//!   `Delivery Date`;
//! - the file itself in the `Order` folder (`850 {po}.x12` / `ORDERS {po}.edi`).
//!
//! The category holds integer line numbers and quantities, no unit and no ship date. When a
//! line does not fit (a line number or quantity that is not a whole number, more than 99
//! lines), `Lines` is left empty and the filed 850 / ORDERS is the order baseline (rule 8),
//! with its units and dates; [`OrderWorkspace::notes`] says so.

use gridlink_edi::BusinessDocument;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::baseline::order_from_purchase_order;
use super::offline::{InputFile, OfflineError};
use super::order::{CURRENCY, DELIVERY_DATE, LINE, LINES, MATERIAL, QUANTITY, UNIT_PRICE};

/// Most rows the demo's `Lines` set takes.
const MAX_ROWS: usize = 99;

/// An order workspace built from an 850 / ORDERS.
#[derive(Debug, Clone)]
pub struct OrderWorkspace {
    /// The PO number.
    pub po_number: String,
    /// The interchange's receiver (`qualifier:id`): the supplier's EDI address.
    pub supplier_address: String,
    /// The workspace, as one entry of an xECM seed's `workspaces`.
    pub workspace: Value,
    /// What could not be carried into the category, and what then serves as the baseline.
    pub notes: Vec<String>,
}

fn whole(value: Decimal) -> Option<i64> {
    (value.fract().is_zero())
        .then(|| i64::try_from(value.mantissa() / 10_i128.pow(value.scale())).ok())
        .flatten()
}

/// The purchase order of `file` and its interchange's receiver.
pub fn purchase_order(
    file: InputFile<'_>,
) -> Result<(gridlink_edi::PurchaseOrder, String), OfflineError> {
    let problem = |problem: String| OfflineError::Order {
        file: file.name.to_owned(),
        problem,
    };
    let interchanges =
        gridlink_edi::parse_interchanges(file.bytes).map_err(|e| problem(e.to_string()))?;
    interchanges
        .into_iter()
        .find_map(|i| {
            let receiver = format!("{}:{}", i.header.receiver.qualifier, i.header.receiver.id);
            i.documents.into_iter().find_map(|d| match d {
                BusinessDocument::PurchaseOrder(po) => Some((po, receiver.clone())),
                _ => None,
            })
        })
        .ok_or_else(|| problem("holds no purchase order (850 / ORDERS)".into()))
}

/// The order workspace of the 850 / ORDERS in `file`, for the supplier `supplier_number`.
pub fn order_workspace(
    file: InputFile<'_>,
    supplier_number: &str,
    type_id: i64,
) -> Result<OrderWorkspace, OfflineError> {
    let problem = |problem: String| OfflineError::Order {
        file: file.name.to_owned(),
        problem,
    };
    let (po, supplier_address) = purchase_order(file)?;
    let content = std::str::from_utf8(file.bytes)
        .map_err(|_| problem("is not UTF-8 text; the seed holds documents as text".into()))?;
    let record = order_from_purchase_order(&po);
    let mut notes = Vec::new();
    let mut rows = Vec::new();
    for line in &record.lines {
        let (Ok(number), Some(quantity)) = (line.line.parse::<i64>(), whole(line.quantity)) else {
            notes.push(format!(
                "line {} (quantity {}) does not fit the category's whole-number Line / Quantity",
                line.line, line.quantity
            ));
            continue;
        };
        let mut row = Map::new();
        row.insert(LINE.into(), json!(number));
        if let Some(material) = &line.material {
            row.insert(MATERIAL.into(), json!(material));
        }
        row.insert(QUANTITY.into(), json!(quantity));
        if let Some(price) = line.unit_price {
            row.insert(UNIT_PRICE.into(), json!(price.normalize().to_string()));
        }
        if let Some(date) = line.delivery_date {
            row.insert(DELIVERY_DATE.into(), json!(date.0.to_string()));
        }
        rows.push(Value::Object(row));
    }
    if rows.len() > MAX_ROWS {
        notes.push(format!(
            "{} lines: more than the category's {MAX_ROWS} rows",
            rows.len()
        ));
    }
    if !notes.is_empty() {
        notes.push(
            "Lines left empty: the 850 / ORDERS filed in `Order` is the order baseline".into(),
        );
        rows.clear();
    }
    let po_number = record.po_number.clone();
    let mut category = Map::new();
    category.insert("PO Number".into(), json!(po_number));
    category.insert("Supplier Number".into(), json!(supplier_number));
    if let Some(date) = po.po_date {
        category.insert("Order Date".into(), json!(date.0.to_string()));
    }
    category.insert("Status".into(), json!("Sent"));
    if let Some(currency) = &record.currency {
        category.insert(CURRENCY.into(), json!(currency));
    }
    if !rows.is_empty() {
        category.insert(LINES.into(), Value::Array(rows));
    }
    let (kind, extension) = if content.trim_start().starts_with("UN") {
        ("ORDERS", "edi")
    } else {
        ("850", "x12")
    };
    let workspace = json!({
        "type_id": type_id,
        "name": format!("PO {po_number}"),
        "business_object": {"bo_id": po_number},
        "categories": {"Purchase Order": category},
        "documents": [{
            "folder": "Order",
            "name": format!("{kind} {po_number}.{extension}").replace(['/', ':'], "-"),
            "content": content,
        }],
    });
    Ok(OrderWorkspace {
        po_number,
        supplier_address,
        workspace,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../shared/edi/tests/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    }

    #[test]
    fn an_850_becomes_an_order_workspace_with_its_lines_and_the_file_in_order() {
        let bytes = fixture("x12/850_purchase_order.x12");
        let built = order_workspace(
            InputFile {
                name: "850.x12",
                bytes: &bytes,
            },
            "0000100042",
            31,
        )
        .expect("converted");
        assert_eq!(built.po_number, "PO-2024-0042");
        assert_eq!(built.supplier_address, "ZZ:ACMESUPPLY");
        assert!(built.notes.is_empty(), "{:?}", built.notes);
        let category = &built.workspace["categories"]["Purchase Order"];
        assert_eq!(category["Supplier Number"], "0000100042");
        assert_eq!(category["Currency"], "USD");
        assert_eq!(
            category["Lines"],
            json!([
                {"Line": 1, "Material": "00614141000036", "Quantity": 24, "Unit Price": "3.5", "Delivery Date": "2024-02-01"},
                {"Line": 2, "Material": "00614141000043", "Quantity": 6, "Unit Price": "41.25", "Delivery Date": "2024-02-01"},
            ])
        );
        assert_eq!(built.workspace["documents"][0]["folder"], "Order");
        assert_eq!(
            built.workspace["documents"][0]["name"],
            "850 PO-2024-0042.x12"
        );
        assert_eq!(
            built.workspace["documents"][0]["content"].as_str(),
            std::str::from_utf8(&bytes).ok()
        );
    }

    #[test]
    fn a_fractional_quantity_leaves_the_lines_to_the_filed_850() {
        let bytes = String::from_utf8(fixture("x12/850_purchase_order.x12"))
            .unwrap()
            .replace("PO1*2*6*CA", "PO1*2*6.5*CA")
            .into_bytes();
        let built = order_workspace(
            InputFile {
                name: "850.x12",
                bytes: &bytes,
            },
            "0000100042",
            31,
        )
        .expect("converted");
        assert!(
            built.workspace["categories"]["Purchase Order"]
                .get("Lines")
                .is_none()
        );
        assert_eq!(built.notes.len(), 2, "{:?}", built.notes);
        assert!(built.notes[0].starts_with("line 2 (quantity 6.5)"));
    }

    #[test]
    fn a_file_without_a_purchase_order_is_refused_naming_it() {
        let bytes = fixture("x12/855_order_ack.x12");
        let error = order_workspace(
            InputFile {
                name: "ack.x12",
                bytes: &bytes,
            },
            "1",
            31,
        )
        .expect_err("no 850");
        assert!(
            error.to_string().starts_with("order file ack.x12"),
            "{error}"
        );
    }
}
