//! The order record read from the purchase-order workspace's category.
//!
//! # Source
//! The order's lines come from the order category (`Purchase Order`, 9100): the `Lines` set
//! with `Line` (integer), `Material`, `Quantity` (integer), `Delivery Date` and `Unit Price`
//! (decimal text such as `"0.12"` — xECM has no exact decimal attribute type and the
//! simulator none at all), plus the order's `Currency`. Two optional columns:
//! `Unit` (the unit of measure, `EA`…; without it documents' units are taken as the
//! order's) and `Ship Date`.
//!
//! # Dates
//! `Delivery Date` is the **requested delivery** date (X12 DTM*002, EDIFACT DTM+2) and is
//! compared only with acknowledged dates of the delivery kind (ACK04 `067`, `069`, `017`…,
//! DTM+69, +2, +17…); `Ship Date` is the **requested ship** date (DTM*010, DTM+10) and is
//! compared only with acknowledged dates of the shipment kind (ACK04 `068`, `079`, `010`…,
//! DTM+10, +11…). An acknowledged date without a known qualifier is shown, not compared.
//! See [`gridlink_edi::DateKind`].
//!
//! That category is what the ERP integration keeps current in Extended ECM; when an order
//! has no category lines, the buyer's own 850 / ORDERS is the baseline instead
//! ([`super::baseline`]).

use gridlink_edi::EdiDate;
use gridlink_xecm::{AttributeValue, NamedAttributes};
use rust_decimal::Decimal;

use super::model::{OrderRecord, OrderedLine};

/// The `Lines` set.
pub const LINES: &str = "Lines";
/// The line number column.
pub const LINE: &str = "Line";
/// The material column.
pub const MATERIAL: &str = "Material";
/// The quantity column.
pub const QUANTITY: &str = "Quantity";
/// The requested delivery date column.
pub const DELIVERY_DATE: &str = "Delivery Date";
/// The requested ship date column (optional).
pub const SHIP_DATE: &str = "Ship Date";
/// The unit of measure column (optional).
pub const UNIT: &str = "Unit";
/// The unit price column.
pub const UNIT_PRICE: &str = "Unit Price";
/// The order's currency attribute.
pub const CURRENCY: &str = "Currency";
/// The attribute the verdict goes to.
pub const MATCH_STATUS: &str = "Match Status";

fn text(value: Option<&AttributeValue>) -> Option<String> {
    match value {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        Some(AttributeValue::Integer(i)) => Some(i.to_string()),
        _ => None,
    }
}

fn decimal(value: Option<&AttributeValue>) -> Option<Decimal> {
    match value {
        Some(AttributeValue::Integer(i)) => Some(Decimal::from(*i)),
        Some(AttributeValue::Text(t)) => t.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

fn date(value: Option<&AttributeValue>) -> Option<EdiDate> {
    match value {
        Some(AttributeValue::Date(at)) => Some(EdiDate(at.date())),
        _ => None,
    }
}

/// The order `po_number` as its category `values` describe it. Rows without a line number
/// are left out; a row without a quantity counts as ordering nothing.
pub fn order_record(po_number: &str, values: &NamedAttributes) -> OrderRecord {
    let lines = match values.get(LINES) {
        Some(AttributeValue::Rows(rows)) => rows
            .iter()
            .filter_map(|row| {
                Some(OrderedLine {
                    line: text(row.get(LINE))?,
                    material: text(row.get(MATERIAL)),
                    quantity: decimal(row.get(QUANTITY)).unwrap_or_default(),
                    unit: text(row.get(UNIT)),
                    unit_price: decimal(row.get(UNIT_PRICE)),
                    delivery_date: date(row.get(DELIVERY_DATE)),
                    ship_date: date(row.get(SHIP_DATE)),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    OrderRecord {
        po_number: po_number.to_owned(),
        currency: text(values.get(CURRENCY)),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_record_reads_lines_prices_and_currency_from_the_category() {
        let mut row = NamedAttributes::new();
        row.insert(LINE.into(), AttributeValue::Integer(10));
        row.insert(
            MATERIAL.into(),
            AttributeValue::Text("M-STEEL-BOLT-12".into()),
        );
        row.insert(QUANTITY.into(), AttributeValue::Integer(5000));
        row.insert(UNIT_PRICE.into(), AttributeValue::Text(" 0.12 ".into()));
        row.insert(
            DELIVERY_DATE.into(),
            AttributeValue::Date(time::macros::datetime!(2026-11-20 0:00)),
        );
        let mut no_line = NamedAttributes::new();
        no_line.insert(QUANTITY.into(), AttributeValue::Integer(1));
        let mut values = NamedAttributes::new();
        values.insert(LINES.into(), AttributeValue::Rows(vec![row, no_line]));
        values.insert(CURRENCY.into(), AttributeValue::Text("EUR".into()));
        let order = order_record("4500001234", &values);
        assert_eq!(order.currency.as_deref(), Some("EUR"));
        assert_eq!(order.lines.len(), 1);
        let line = &order.lines[0];
        assert_eq!(line.line, "10");
        assert_eq!(line.quantity, Decimal::from(5000));
        assert_eq!(line.unit_price, Some(Decimal::new(12, 2)));
        assert_eq!(line.delivery_date, EdiDate::from_ymd(2026, 11, 20));
        assert_eq!(line.ship_date, None);
        assert_eq!(line.unit, None);
    }

    #[test]
    fn the_unit_and_the_requested_ship_date_are_read_when_the_category_has_them() {
        let mut row = NamedAttributes::new();
        row.insert(LINE.into(), AttributeValue::Integer(10));
        row.insert(UNIT.into(), AttributeValue::Text("CA".into()));
        row.insert(
            SHIP_DATE.into(),
            AttributeValue::Date(time::macros::datetime!(2026-11-18 0:00)),
        );
        let mut values = NamedAttributes::new();
        values.insert(LINES.into(), AttributeValue::Rows(vec![row]));
        let line = &order_record("1", &values).lines[0];
        assert_eq!(line.unit.as_deref(), Some("CA"));
        assert_eq!(line.ship_date, EdiDate::from_ymd(2026, 11, 18));
    }

    #[test]
    fn an_unreadable_price_is_no_price() {
        let mut row = NamedAttributes::new();
        row.insert(LINE.into(), AttributeValue::Integer(10));
        row.insert(
            UNIT_PRICE.into(),
            AttributeValue::Text("twelve cents".into()),
        );
        let mut values = NamedAttributes::new();
        values.insert(LINES.into(), AttributeValue::Rows(vec![row]));
        assert_eq!(order_record("1", &values).lines[0].unit_price, None);
    }
}
