//! Rule 8, the engine side: the order baseline from the buyer's own 850 / ORDERS, for order
//! workspaces that hold the PO document rather than category lines — and which record wins
//! when both exist.
//!
//! # Mapping
//! | order record | X12 850 | EDIFACT ORDERS |
//! |---|---|---|
//! | `po_number` | BEG03 | BGM C106 |
//! | `currency` | CUR02 | CUX C504 |
//! | `line` | PO101 | LIN 1082 |
//! | `material` | the first buyer's part (PO1 `BP` / `IN`), else the first product id | PIA / LIN `IN` / `BP`, else the first |
//! | `quantity`, `unit` | PO102, PO103 | QTY+21 |
//! | `unit_price` | PO104 | PRI+AAA |
//! | `delivery_date` | DTM*002 (header, every line) | DTM+2 |
//! | `ship_date` | DTM*010 (header, every line) | DTM+10 |
//!
//! # Which wins
//! The category lines win when the workspace has any: the ERP integration keeps them current
//! (changes, cancellations), while a filed 850 is the order as first sent. The 850 / ORDERS
//! is the baseline only for an order whose category has no lines.

use gridlink_edi::{ProductIdKind, PurchaseOrder};

use super::model::{OrderRecord, OrderedLine};

/// Where an order record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineSource {
    /// The `Purchase Order` category's `Lines`.
    Category,
    /// The buyer's 850 / ORDERS filed in the workspace.
    PurchaseOrderDocument,
}

/// The order record a purchase order describes (mapping above).
pub fn order_from_purchase_order(po: &PurchaseOrder) -> OrderRecord {
    let lines = po
        .lines
        .iter()
        .map(|line| {
            let buyers = line
                .product_ids
                .iter()
                .find(|p| p.kind == ProductIdKind::BuyerItem);
            let material = buyers
                .or_else(|| line.product_ids.first())
                .map(|p| p.value.trim().to_owned())
                .filter(|m| !m.is_empty());
            OrderedLine {
                line: line.line_number.trim().to_owned(),
                material,
                quantity: line.quantity.value,
                unit: Some(line.quantity.unit.clone()).filter(|u| !u.trim().is_empty()),
                unit_price: line.unit_price,
                delivery_date: po.requested_delivery,
                ship_date: po.requested_ship,
            }
        })
        .collect();
    OrderRecord {
        po_number: po.po_number.trim().to_owned(),
        currency: po.currency.clone(),
        lines,
    }
}

/// The baseline of an order: the category's record when it has lines, else the purchase
/// order document's, else the (empty) category record.
pub fn choose_baseline(
    category: OrderRecord,
    document: Option<&PurchaseOrder>,
) -> (OrderRecord, BaselineSource) {
    match document {
        Some(po) if category.lines.is_empty() => (
            order_from_purchase_order(po),
            BaselineSource::PurchaseOrderDocument,
        ),
        _ => (category, BaselineSource::Category),
    }
}

#[cfg(test)]
mod tests {
    use gridlink_edi::{EdiDate, OrderLine, OrderType, ProductId, Purpose, Quantity};
    use rust_decimal::Decimal;

    use super::*;

    fn po() -> PurchaseOrder {
        PurchaseOrder {
            purpose: Purpose::Original,
            order_type: OrderType::StandAlone,
            po_number: " 4500001234 ".to_owned(),
            po_date: None,
            requested_delivery: EdiDate::from_ymd(2026, 11, 20),
            requested_ship: EdiDate::from_ymd(2026, 11, 18),
            currency: Some("EUR".to_owned()),
            parties: Vec::new(),
            lines: vec![OrderLine {
                line_number: "10".to_owned(),
                quantity: Quantity {
                    value: Decimal::from(12),
                    unit: "CA".to_owned(),
                },
                unit_price: Some(Decimal::new(1440, 2)),
                product_ids: vec![
                    ProductId {
                        kind: ProductIdKind::VendorItem,
                        value: "V-1".to_owned(),
                    },
                    ProductId {
                        kind: ProductIdKind::BuyerItem,
                        value: "M-STEEL-BOLT-12".to_owned(),
                    },
                ],
                description: None,
            }],
        }
    }

    #[test]
    fn an_850_becomes_the_order_record_with_the_buyers_part_units_and_both_dates() {
        let order = order_from_purchase_order(&po());
        assert_eq!(order.po_number, "4500001234");
        assert_eq!(order.currency.as_deref(), Some("EUR"));
        assert_eq!(
            order.lines,
            vec![OrderedLine {
                line: "10".to_owned(),
                material: Some("M-STEEL-BOLT-12".to_owned()),
                quantity: Decimal::from(12),
                unit: Some("CA".to_owned()),
                unit_price: Some(Decimal::new(1440, 2)),
                delivery_date: EdiDate::from_ymd(2026, 11, 20),
                ship_date: EdiDate::from_ymd(2026, 11, 18),
            }]
        );
    }

    #[test]
    fn the_category_wins_when_it_has_lines_the_850_otherwise() {
        let document = po();
        let category = order_from_purchase_order(&document);
        let (chosen, source) = choose_baseline(category.clone(), Some(&document));
        assert_eq!(source, BaselineSource::Category);
        assert_eq!(chosen, category);
        let empty = OrderRecord {
            po_number: "4500001234".to_owned(),
            currency: None,
            lines: Vec::new(),
        };
        let (chosen, source) = choose_baseline(empty.clone(), Some(&document));
        assert_eq!(source, BaselineSource::PurchaseOrderDocument);
        assert_eq!(chosen.lines.len(), 1);
        assert_eq!(
            choose_baseline(empty.clone(), None),
            (empty, BaselineSource::Category)
        );
    }
}
