//! What the phases share: the order lines indexed for joining, the findings as they are
//! collected, and what each phase learned about each line.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;

use gridlink_edi::{ProductId, ProductIdKind, Quantity};
use rust_decimal::Decimal;

use super::model::{OrderRecord, OrderedLine, line_key};
use super::outcome::{Acknowledged, Finding, FindingCode, Invoiced, Shipped};
use super::units::{Conversion, UnitConversions};

/// `value` without trailing zeros, for messages.
pub(super) fn n(value: Decimal) -> Decimal {
    value.normalize()
}

/// Order lines by line number and by material (the buyer's part number).
///
/// Documents usually list lines in the order's sequence, so a lookup first tries the line
/// after the one found last (no hashing), then the map. Orders usually number their lines in
/// ascending order: then every key is unique and the line-number map is built only when a
/// lookup misses the guess; the material map only when a document line has no line number.
pub(super) struct LineIndex<'a> {
    lines: &'a [OrderedLine],
    keys: Vec<&'a str>,
    /// Whether line `i` is the first with its key (the one a lookup must find); `None` when
    /// the keys ascend, so each is the only one.
    first: Option<Vec<bool>>,
    by_line: OnceCell<HashMap<&'a str, usize>>,
    by_material: OnceCell<HashMap<&'a str, usize>>,
    next: Cell<usize>,
}

/// Keys by length, then bytes: a total order that is the numeric one for line numbers (keys
/// have no leading zeros).
fn ascends(a: &str, b: &str) -> bool {
    (a.len(), a) < (b.len(), b)
}

fn first_positions<'a>(keys: &[&'a str]) -> HashMap<&'a str, usize> {
    let mut by_line = HashMap::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        by_line.entry(*key).or_insert(i);
    }
    by_line
}

impl<'a> LineIndex<'a> {
    pub(super) fn new(lines: &'a [OrderedLine]) -> Self {
        let keys: Vec<&'a str> = lines.iter().map(|l| line_key(&l.line)).collect();
        let by_line = OnceCell::new();
        let first = if keys.windows(2).all(|pair| ascends(pair[0], pair[1])) {
            None
        } else {
            let map = first_positions(&keys);
            let first = keys
                .iter()
                .enumerate()
                .map(|(i, key)| map.get(key) == Some(&i))
                .collect();
            let _ = by_line.set(map);
            Some(first)
        };
        Self {
            lines,
            keys,
            first,
            by_line,
            by_material: OnceCell::new(),
            next: Cell::new(0),
        }
    }

    fn by_line(&self) -> &HashMap<&'a str, usize> {
        self.by_line.get_or_init(|| first_positions(&self.keys))
    }

    fn is_first(&self, i: usize) -> bool {
        self.first.as_ref().is_none_or(|first| first[i])
    }

    fn materials(&self) -> &HashMap<&'a str, usize> {
        self.by_material.get_or_init(|| {
            let mut by_material = HashMap::new();
            for (i, line) in self.lines.iter().enumerate() {
                if let Some(material) = line.material.as_deref().map(str::trim)
                    && !material.is_empty()
                {
                    by_material.entry(material).or_insert(i);
                }
            }
            by_material
        })
    }

    /// The order line a document line names: by its line number when it has one, else by a
    /// product id equal to the line's `Material` (the buyer's part numbers first).
    pub(super) fn find(&self, line_number: Option<&str>, products: &[ProductId]) -> Option<usize> {
        if let Some(line) = line_number.filter(|l| !l.trim().is_empty()) {
            let key = line_key(line);
            let guess = self.next.get();
            let found = if self.keys.get(guess) == Some(&key) && self.is_first(guess) {
                Some(guess)
            } else {
                self.by_line().get(key).copied()
            };
            if let Some(i) = found {
                self.next.set(i + 1);
            }
            return found;
        }
        let buyers = products
            .iter()
            .filter(|p| p.kind == ProductIdKind::BuyerItem);
        let others = products
            .iter()
            .filter(|p| p.kind != ProductIdKind::BuyerItem);
        let materials = self.materials();
        buyers
            .chain(others)
            .find_map(|p| materials.get(p.value.trim()).copied())
    }
}

/// What the phases learned about one order line.
#[derive(Debug, Clone, Default)]
pub(super) struct LineState {
    /// The acknowledgment's answer (acknowledgment phase).
    pub acknowledged: Option<Acknowledged>,
    /// What shipments are judged against (acknowledgment phase; ordered until then).
    pub committed: Decimal,
    /// Σ over every ship notice (shipment phase).
    pub shipped: Shipped,
    /// Σ over every invoice (invoice phase).
    pub invoiced: Invoiced,
    /// A document came in a unit that does not convert: its quantities are not compared.
    pub unit_mismatch: bool,
}

/// Findings as they are collected: order-level ones, and per line.
pub(super) struct Findings {
    pub order: Vec<Finding>,
    pub lines: Vec<Vec<Finding>>,
}

impl Findings {
    pub(super) fn new(lines: usize) -> Self {
        Self {
            order: Vec::new(),
            lines: vec![Vec::new(); lines],
        }
    }

    /// An order-level finding.
    pub(super) fn order(&mut self, code: FindingCode, document: Option<&str>, message: String) {
        self.order.push(Finding {
            severity: code.severity(),
            code,
            line: None,
            document: document.map(str::to_owned),
            message,
        });
    }

    /// A finding on order line `index`.
    pub(super) fn line(
        &mut self,
        order: &OrderRecord,
        index: usize,
        code: FindingCode,
        document: Option<&str>,
        message: String,
    ) {
        self.lines[index].push(Finding {
            severity: code.severity(),
            code,
            line: Some(order.lines[index].line.clone()),
            document: document.map(str::to_owned),
            message,
        });
    }

    /// A document line that joins no order line.
    pub(super) fn unknown_line(
        &mut self,
        what: &str,
        document: &str,
        line: Option<&str>,
        products: &[ProductId],
    ) {
        let line = line.filter(|l| !l.trim().is_empty());
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
            severity: FindingCode::UnknownLine.severity(),
            code: FindingCode::UnknownLine,
            line: line.map(str::to_owned),
            document: Some(document.to_owned()),
            message: format!("{what} {document} names {named}, which the order does not have"),
        });
    }
}

/// `quantity` in the order line's unit with the conversion used (for prices), or the unit
/// that does not convert.
pub(super) fn in_order_unit<'q>(
    units: &UnitConversions,
    ordered: &OrderedLine,
    quantity: &'q Quantity,
) -> Result<(Decimal, Conversion), &'q str> {
    let Some(unit) = ordered.unit.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Ok((quantity.value, Conversion::SAME));
    };
    if quantity.unit.trim().is_empty() {
        return Ok((quantity.value, Conversion::SAME));
    }
    units
        .conversion(ordered.material.as_deref(), &quantity.unit, unit)
        .map(|conversion| (conversion.quantity(quantity.value), conversion))
        .ok_or(quantity.unit.as_str())
}

/// Flags a unit mismatch on line `index` (once per document) and marks the line.
pub(super) fn unit_mismatch(
    findings: &mut Findings,
    state: &mut LineState,
    order: &OrderRecord,
    index: usize,
    document: &str,
    unit: &str,
) {
    let ordered = &order.lines[index];
    state.unit_mismatch = true;
    let already = findings.lines[index]
        .iter()
        .any(|f| f.code == FindingCode::UnitMismatch && f.document.as_deref() == Some(document));
    if !already {
        findings.line(
            order,
            index,
            FindingCode::UnitMismatch,
            Some(document),
            format!(
                "line {}: {document} counts in {unit}, the order in {}, and no conversion is configured",
                ordered.line,
                ordered.unit.as_deref().unwrap_or("?")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(numbers: &[&str]) -> Vec<OrderedLine> {
        numbers
            .iter()
            .map(|n| OrderedLine {
                line: (*n).to_owned(),
                material: Some(format!("M-{n}")),
                quantity: Decimal::ONE,
                unit: None,
                unit_price: None,
                delivery_date: None,
                ship_date: None,
            })
            .collect()
    }

    #[test]
    fn ascending_lines_are_found_in_sequence_and_out_of_it_without_an_eager_map() {
        let order = lines(&["9", "10", "0020", "100"]);
        let index = LineIndex::new(&order);
        assert!(
            index.first.is_none(),
            "ascending keys need no first-position list"
        );
        assert!(
            index.by_line.get().is_none(),
            "no map until a lookup misses"
        );
        assert_eq!(index.find(Some("9"), &[]), Some(0));
        assert_eq!(index.find(Some("10"), &[]), Some(1));
        assert!(index.by_line.get().is_none());
        assert_eq!(index.find(Some("100"), &[]), Some(3));
        assert_eq!(index.find(Some("20"), &[]), Some(2));
        assert_eq!(index.find(Some("11"), &[]), None);
    }

    #[test]
    fn a_repeated_line_number_is_always_its_first_line() {
        let order = lines(&["10", "20", "10", "30"]);
        let index = LineIndex::new(&order);
        assert_eq!(index.find(Some("10"), &[]), Some(0));
        assert_eq!(index.find(Some("20"), &[]), Some(1));
        // The guess (line 2, also "10") is not the first "10".
        assert_eq!(index.find(Some("10"), &[]), Some(0));
        assert_eq!(index.find(Some("30"), &[]), Some(3));
    }
}
