//! A recall as xECM holds it, read into plain data: the `Recall` category with its `Lots`
//! set, and the distribution document. Pure: no I/O, so every rule here is unit tested.
//!
//! # Why the distribution is a CSV document, not a category set
//! A recall of a widely distributed product reaches thousands of accounts. A category set is
//! capped in rows (the seed allows 200; Content Server sets are meant for tens), every row is
//! written back whole on each change, and every category read carries all of it. A CSV
//! document in the workspace scales to any number of rows, is versioned (the exact version
//! approved is pinned when the recall is issued, with its sha256), and is what ERP and WMS
//! exports produce anyway. The lots themselves — a handful per recall — stay a set, where
//! the approver sees them on the workspace.
//!
//! # Distribution format
//! ```text
//! partner_id,lot_code,quantity,unit,shipped_on      header (any order, case-insensitive)
//! prt_acme,L2026-0412,400,EA,2026-04-20              one shipment per row
//! ```
//! `partner_id`, `lot_code` and `quantity` (a whole number ≥ 0) are required; `unit` and
//! `shipped_on` (`YYYY-MM-DD`) are optional; other columns are ignored. Fields may be quoted
//! (`"…"`, `""` for a quote). Every error names its row (the header is row 1) and column.

use std::collections::BTreeMap;

use gridlink_xecm::{AttributeValue, NamedAttributes};
use serde::{Deserialize, Serialize};

/// The `Recall` category's attribute names.
pub mod attr {
    /// `Recall ID`.
    pub const RECALL_ID: &str = "Recall ID";
    /// `Class` (I, II, III).
    pub const CLASS: &str = "Class";
    /// `Reason Code`.
    pub const REASON_CODE: &str = "Reason Code";
    /// `Status`.
    pub const STATUS: &str = "Status";
    /// `Initiated By` (a user).
    pub const INITIATED_BY: &str = "Initiated By";
    /// `Approved By` (a user).
    pub const APPROVED_BY: &str = "Approved By";
    /// `Response Due Hours`.
    pub const RESPONSE_DUE_HOURS: &str = "Response Due Hours";
    /// `Reminder Interval Hours`.
    pub const REMINDER_INTERVAL_HOURS: &str = "Reminder Interval Hours";
    /// `Escalate After Hours`.
    pub const ESCALATE_AFTER_HOURS: &str = "Escalate After Hours";
    /// `Market`.
    pub const MARKET: &str = "Market";
    /// The `Lots` set.
    pub const LOTS: &str = "Lots";
}

/// The recall's status, in its order: `draft` → `pending approval` → `approved` →
/// `issuing` → `active` → `closing` → `closed`, or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecallStatus {
    /// Being written.
    Draft,
    /// Waiting for the approver.
    PendingApproval,
    /// Approved: gridlink issues it (four eyes checked).
    Approved,
    /// gridlink is inviting the partners.
    Issuing,
    /// Every partner was invited; answers are coming in.
    Active,
    /// Being closed.
    Closing,
    /// Closed.
    Closed,
    /// Withdrawn.
    Cancelled,
}

impl RecallStatus {
    /// Reads the attribute's text (case and `_`/space insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        let norm = text.trim().to_ascii_lowercase().replace('_', " ");
        Some(match norm.as_str() {
            "draft" => Self::Draft,
            "pending approval" => Self::PendingApproval,
            "approved" => Self::Approved,
            "issuing" => Self::Issuing,
            "active" => Self::Active,
            "closing" => Self::Closing,
            "closed" => Self::Closed,
            "cancelled" | "canceled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// The text written to the attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::PendingApproval => "pending approval",
            Self::Approved => "approved",
            Self::Issuing => "issuing",
            Self::Active => "active",
            Self::Closing => "closing",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One row of the `Lots` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// GTIN.
    pub gtin: String,
    /// Material number.
    pub material: String,
    /// Lot / traceability lot code: the key distribution rows name.
    pub lot_code: String,
    /// Quantity produced.
    pub quantity: i64,
    /// Unit of measure.
    pub unit: String,
    /// Production date (`YYYY-MM-DD`), if given.
    #[serde(default)]
    pub production_date: Option<String>,
    /// Expiry date (`YYYY-MM-DD`), if given.
    #[serde(default)]
    pub expiry_date: Option<String>,
}

/// The largest `Response Due Hours`, `Reminder Interval Hours` and `Escalate After Hours`
/// taken: 8 760 hours (a year). A larger value is refused by name when the recall is issued
/// ([`RecallSheet::check_hours`]).
pub const MAX_HOURS: i64 = 8_760;

/// `hours` as a duration, `None` when it is not representable.
pub fn hours(hours: i64) -> Option<time::Duration> {
    hours.checked_mul(3_600).map(time::Duration::seconds)
}

/// `at` + `hours` hours, `None` when that is not a representable time.
pub fn after_hours(at: time::OffsetDateTime, hours_after: i64) -> Option<time::OffsetDateTime> {
    at.checked_add(hours(hours_after)?)
}

/// The `Recall` category of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallSheet {
    /// `Recall ID`: the business identity of the recall.
    pub recall_id: String,
    /// `Class`: I, II or III.
    pub class: String,
    /// `Reason Code`.
    pub reason_code: String,
    /// `Status` as written (None when it does not read).
    pub status: Option<RecallStatus>,
    /// `Initiated By`.
    pub initiated_by: Option<i64>,
    /// `Approved By`.
    pub approved_by: Option<i64>,
    /// `Response Due Hours` (72 when empty; at most [`MAX_HOURS`] issues).
    pub response_due_hours: i64,
    /// `Reminder Interval Hours` (24 when empty; at most [`MAX_HOURS`] issues).
    pub reminder_interval_hours: i64,
    /// `Escalate After Hours` (96 when empty; at most [`MAX_HOURS`] issues).
    pub escalate_after_hours: i64,
    /// `Market`.
    pub market: String,
    /// The `Lots` set, rows without a lot code left out.
    pub lots: Vec<Lot>,
}

fn text(values: &NamedAttributes, name: &str) -> String {
    match values.get(name) {
        Some(AttributeValue::Text(t)) => t.trim().to_owned(),
        Some(AttributeValue::Integer(i)) => i.to_string(),
        _ => String::new(),
    }
}

fn integer(values: &NamedAttributes, name: &str) -> Option<i64> {
    match values.get(name) {
        Some(AttributeValue::Integer(i)) => Some(*i),
        Some(AttributeValue::Text(t)) => t.trim().parse().ok(),
        _ => None,
    }
}

fn user(values: &NamedAttributes, name: &str) -> Option<i64> {
    match values.get(name) {
        Some(AttributeValue::User(u) | AttributeValue::Integer(u)) => Some(*u),
        Some(AttributeValue::Text(t)) => t.trim().parse().ok(),
        _ => None,
    }
}

fn date(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Date(d)) => Some(d.date().to_string()),
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        _ => None,
    }
}

impl RecallSheet {
    /// Reads the category values; `Err` names what makes them unusable.
    pub fn read(values: &NamedAttributes) -> Result<Self, String> {
        let recall_id = text(values, attr::RECALL_ID);
        if recall_id.is_empty() {
            return Err(format!("`{}` is empty", attr::RECALL_ID));
        }
        let mut lots = Vec::new();
        if let Some(AttributeValue::Rows(rows)) = values.get(attr::LOTS) {
            for (index, row) in rows.iter().enumerate() {
                let lot_code = text(row, "Lot Code");
                if lot_code.is_empty() {
                    continue;
                }
                if lots.iter().any(|l: &Lot| l.lot_code == lot_code) {
                    return Err(format!(
                        "`Lots` row {}: lot {lot_code} is listed twice",
                        index + 1
                    ));
                }
                lots.push(Lot {
                    gtin: text(row, "GTIN"),
                    material: text(row, "Material"),
                    lot_code,
                    quantity: integer(row, "Quantity").unwrap_or(0),
                    unit: text(row, "Unit"),
                    production_date: date(row, "Production Date"),
                    expiry_date: date(row, "Expiry Date"),
                });
            }
        }
        Ok(Self {
            recall_id,
            class: text(values, attr::CLASS),
            reason_code: text(values, attr::REASON_CODE),
            status: RecallStatus::parse(&text(values, attr::STATUS)),
            initiated_by: user(values, attr::INITIATED_BY),
            approved_by: user(values, attr::APPROVED_BY),
            response_due_hours: integer(values, attr::RESPONSE_DUE_HOURS)
                .filter(|h| *h > 0)
                .unwrap_or(72),
            reminder_interval_hours: integer(values, attr::REMINDER_INTERVAL_HOURS)
                .filter(|h| *h > 0)
                .unwrap_or(24),
            escalate_after_hours: integer(values, attr::ESCALATE_AFTER_HOURS)
                .filter(|h| *h > 0)
                .unwrap_or(96),
            market: text(values, attr::MARKET),
            lots,
        })
    }
}

impl RecallSheet {
    /// The three hours attributes within 1..=[`MAX_HOURS`]; `Err` names the attribute.
    pub fn check_hours(&self) -> Result<(), String> {
        for (name, value) in [
            (attr::RESPONSE_DUE_HOURS, self.response_due_hours),
            (attr::REMINDER_INTERVAL_HOURS, self.reminder_interval_hours),
            (attr::ESCALATE_AFTER_HOURS, self.escalate_after_hours),
        ] {
            if !(1..=MAX_HOURS).contains(&value) {
                return Err(format!(
                    "`{name}` is {value}: it must be between 1 and {MAX_HOURS} hours (a year)"
                ));
            }
        }
        Ok(())
    }
}

/// One row of the distribution: a shipment of a lot to a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Row number in the document (the header is row 1).
    pub row: usize,
    /// The Trading Grid partner (`prt_…`).
    pub partner_id: String,
    /// The lot shipped.
    pub lot_code: String,
    /// How much.
    pub quantity: i64,
    /// Unit, if given.
    pub unit: String,
    /// When, if given (`YYYY-MM-DD`).
    pub shipped_on: String,
}

/// Why a distribution document does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("distribution row {row}, column {column}: {message}")]
pub struct DistributionError {
    /// The row (the header is row 1).
    pub row: usize,
    /// The column's name (or its number when it has none).
    pub column: String,
    /// What is wrong.
    pub message: String,
}

/// Splits one CSV line into fields (RFC 4180 quoting; no newlines inside fields).
fn fields(line: &str, row: usize) -> Result<Vec<String>, DistributionError> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.trim().is_empty() && !was_quoted {
            field.clear();
            quoted = true;
            was_quoted = true;
        } else if c == ',' {
            out.push(std::mem::take(&mut field));
            was_quoted = false;
        } else {
            field.push(c);
        }
    }
    if quoted {
        return Err(DistributionError {
            row,
            column: (out.len() + 1).to_string(),
            message: "a quoted field is not closed".into(),
        });
    }
    out.push(field);
    Ok(out.into_iter().map(|f| f.trim().to_owned()).collect())
}

/// Parses a distribution document (see the module docs); every error names row and column.
pub fn parse_distribution(text: &str) -> Result<Vec<Shipment>, DistributionError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let Some((_, header)) = lines.find(|(_, l)| !l.trim().is_empty()) else {
        return Err(DistributionError {
            row: 1,
            column: "header".into(),
            message: "the document is empty".into(),
        });
    };
    let header: Vec<String> = fields(header, 1)?
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let required = |name: &str| {
        column(name).ok_or_else(|| DistributionError {
            row: 1,
            column: name.into(),
            message: format!("the header has no `{name}` column"),
        })
    };
    let (partner, lot, quantity) = (
        required("partner_id")?,
        required("lot_code")?,
        required("quantity")?,
    );
    let (unit, shipped_on) = (column("unit"), column("shipped_on"));
    let mut shipments = Vec::new();
    for (row, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let cells = fields(line, row)?;
        let cell = |index: usize| cells.get(index).map_or("", String::as_str);
        let need = |index: usize, name: &str| {
            let value = cell(index);
            if value.is_empty() {
                Err(DistributionError {
                    row,
                    column: name.into(),
                    message: "is empty".into(),
                })
            } else {
                Ok(value.to_owned())
            }
        };
        let partner_id = need(partner, "partner_id")?;
        let lot_code = need(lot, "lot_code")?;
        let raw_quantity = need(quantity, "quantity")?;
        let quantity = raw_quantity
            .parse::<i64>()
            .ok()
            .filter(|q| *q >= 0)
            .ok_or_else(|| DistributionError {
                row,
                column: "quantity".into(),
                message: format!("`{raw_quantity}` is not a whole number ≥ 0"),
            })?;
        let shipped = shipped_on.map_or("", cell).to_owned();
        if !shipped.is_empty()
            && time::Date::parse(
                &shipped,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_err()
        {
            return Err(DistributionError {
                row,
                column: "shipped_on".into(),
                message: format!("`{shipped}` is not a date (YYYY-MM-DD)"),
            });
        }
        shipments.push(Shipment {
            row,
            partner_id,
            lot_code,
            quantity,
            unit: unit.map_or("", cell).to_owned(),
            shipped_on: shipped,
        });
    }
    Ok(shipments)
}

/// One lot as one partner received it: what its campaign lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerLot {
    /// The lot code.
    pub lot_code: String,
    /// GTIN.
    pub gtin: String,
    /// Material.
    pub material: String,
    /// Quantity shipped to this partner (all its rows of the lot).
    pub shipped: i64,
    /// Unit.
    pub unit: String,
}

/// Something of the distribution that cannot be sent, kept with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    /// The partner concerned.
    pub partner_id: String,
    /// The distribution row, when one row is the cause.
    #[serde(default)]
    pub row: Option<usize>,
    /// Why it was parked.
    pub reason: String,
}

/// Who gets which lots; what cannot be sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Each affected partner's lots, by partner id (sorted: the fan-out's order).
    pub partners: BTreeMap<String, Vec<PartnerLot>>,
    /// Rows naming a lot that is not in `Lots`.
    pub parked: Vec<Parked>,
}

/// The unit a row is shipped in: its own, or the lot's `Unit` when the row leaves it blank.
fn shipment_unit(lot: &Lot, shipment: &Shipment) -> String {
    let unit = shipment.unit.trim();
    if unit.is_empty() {
        lot.unit.trim().to_owned()
    } else {
        unit.to_owned()
    }
}

/// A lot of the recall whose distribution rows are in more than one unit: its quantities
/// cannot be added up (10 CS and 24 EA are not 34 of anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixedUnits {
    /// The lot.
    pub lot_code: String,
    /// Its units, sorted.
    pub units: Vec<String>,
    /// The distribution rows in each unit, in the order of `units` (the header is row 1).
    pub rows: Vec<Vec<usize>>,
}

impl std::fmt::Display for MixedUnits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let each: Vec<String> = self
            .units
            .iter()
            .zip(&self.rows)
            .map(|(unit, rows)| {
                let rows: Vec<String> = rows.iter().map(ToString::to_string).collect();
                format!("{unit} in distribution row(s) {}", rows.join(", "))
            })
            .collect();
        write!(
            f,
            "lot {} is shipped in more than one unit ({}: {}; a blank `unit` reads as the lot's `Unit`): quantities in different units are never added up — give every row of the lot one unit",
            self.lot_code,
            self.units.join(", "),
            each.join(", ")
        )
    }
}

/// The lots of `lots` whose shipments (every partner's) are in more than one unit, by lot
/// code. A recall with one is refused at issue: the campaigns, the answers' check and the
/// rollup count each lot in one unit.
pub fn mixed_units(lots: &[Lot], shipments: &[Shipment]) -> Vec<MixedUnits> {
    let mut by_lot: BTreeMap<&str, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for shipment in shipments {
        let Some(lot) = lots.iter().find(|l| l.lot_code == shipment.lot_code) else {
            continue;
        };
        by_lot
            .entry(lot.lot_code.as_str())
            .or_default()
            .entry(shipment_unit(lot, shipment))
            .or_default()
            .push(shipment.row);
    }
    by_lot
        .into_iter()
        .filter(|(_, units)| units.len() > 1)
        .map(|(lot_code, units)| MixedUnits {
            lot_code: lot_code.to_owned(),
            units: units.keys().cloned().collect(),
            rows: units.into_values().collect(),
        })
        .collect()
}

/// Groups the distribution by partner, each partner's lots only; a row whose lot is not in
/// `Lots` is parked with its reason (never dropped, never sent), and so is a row whose unit
/// differs from the partner's earlier rows of the lot (never added to them; such a recall is
/// refused at issue, [`mixed_units`]).
pub fn plan(lots: &[Lot], shipments: &[Shipment]) -> Plan {
    let mut plan = Plan::default();
    for shipment in shipments {
        let Some(lot) = lots.iter().find(|l| l.lot_code == shipment.lot_code) else {
            plan.parked.push(Parked {
                partner_id: shipment.partner_id.clone(),
                row: Some(shipment.row),
                reason: format!(
                    "distribution row {}: lot {} is not in the recall's Lots",
                    shipment.row, shipment.lot_code
                ),
            });
            continue;
        };
        let partner_lots = plan
            .partners
            .entry(shipment.partner_id.clone())
            .or_default();
        let unit = shipment_unit(lot, shipment);
        match partner_lots.iter_mut().find(|l| l.lot_code == lot.lot_code) {
            Some(existing) if existing.unit != unit => plan.parked.push(Parked {
                partner_id: shipment.partner_id.clone(),
                row: Some(shipment.row),
                reason: format!(
                    "distribution row {}: lot {} in {unit}, but shipped to {} in {} before: units are never added up",
                    shipment.row, shipment.lot_code, shipment.partner_id, existing.unit
                ),
            }),
            Some(existing) => existing.shipped += shipment.quantity,
            None => partner_lots.push(PartnerLot {
                lot_code: lot.lot_code.clone(),
                gtin: lot.gtin.clone(),
                material: lot.material.clone(),
                shipped: shipment.quantity,
                unit,
            }),
        }
    }
    plan
}

/// What an amendment sends: the `delta` — each partner's (partner, lot) pairs that no earlier
/// version sent, so a new partner gets all its lots and a known partner only its new ones —
/// and what it cannot send, parked with the reason: a shipment already notified whose
/// quantity changed or that is gone (amendments notify additions; the partner keeps the
/// campaign it has), and rows naming a lot not in `Lots` that no earlier version parked.
pub fn delta(previous: &[Plan], current: &Plan) -> Plan {
    let mut sent: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for plan in previous {
        for (partner, lots) in &plan.partners {
            for lot in lots {
                *sent
                    .entry((partner.as_str(), lot.lot_code.as_str()))
                    .or_insert(0) += lot.shipped;
            }
        }
    }
    let mut out = Plan::default();
    for (partner, lots) in &current.partners {
        for lot in lots {
            match sent.get(&(partner.as_str(), lot.lot_code.as_str())) {
                None => out
                    .partners
                    .entry(partner.clone())
                    .or_default()
                    .push(lot.clone()),
                Some(&before) if before != lot.shipped => out.parked.push(Parked {
                    partner_id: partner.clone(),
                    row: None,
                    reason: format!(
                        "lot {} to {partner}: shipped changed from {before} to {} after issue; an amendment notifies additions only (the partner keeps its campaign)",
                        lot.lot_code, lot.shipped
                    ),
                }),
                Some(_) => {}
            }
        }
    }
    for (partner, lot) in sent.keys() {
        let still = current
            .partners
            .get(*partner)
            .is_some_and(|lots| lots.iter().any(|l| l.lot_code == *lot));
        if !still {
            out.parked.push(Parked {
                partner_id: (*partner).to_owned(),
                row: None,
                reason: format!(
                    "lot {lot} to {partner}: gone from the distribution after issue; an amendment notifies additions only (the partner keeps its campaign)"
                ),
            });
        }
    }
    for parked in &current.parked {
        let known = previous
            .iter()
            .any(|p| p.parked.iter().any(|q| q.reason == parked.reason));
        if !known {
            out.parked.push(parked.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot_in(code: &str, unit: &str) -> Lot {
        Lot {
            gtin: "04012345000017".into(),
            material: "M-1".into(),
            lot_code: code.into(),
            quantity: 1000,
            unit: unit.into(),
            production_date: None,
            expiry_date: None,
        }
    }

    fn shipment(row: usize, partner: &str, lot: &str, quantity: i64, unit: &str) -> Shipment {
        Shipment {
            row,
            partner_id: partner.into(),
            lot_code: lot.into(),
            quantity,
            unit: unit.into(),
            shipped_on: String::new(),
        }
    }

    #[test]
    fn a_lot_shipped_in_two_units_is_named_and_never_summed() {
        let lots = [lot_in("L1", "CS"), lot_in("L2", "EA")];
        // One partner's 10 CS and 24 EA of L1; L2 in EA throughout (a blank unit is the lot's).
        let shipments = [
            shipment(2, "prt_a", "L1", 10, "CS"),
            shipment(3, "prt_a", "L1", 24, "EA"),
            shipment(4, "prt_a", "L2", 5, ""),
            shipment(5, "prt_b", "L2", 7, "EA"),
        ];
        let mixed = mixed_units(&lots, &shipments);
        assert_eq!(
            mixed,
            vec![MixedUnits {
                lot_code: "L1".into(),
                units: vec!["CS".into(), "EA".into()],
                rows: vec![vec![2], vec![3]],
            }]
        );
        let reason = mixed[0].to_string();
        assert!(
            reason.contains(
                "lot L1 is shipped in more than one unit (CS, EA: CS in distribution row(s) 2, EA in distribution row(s) 3;"
            ),
            "{reason}"
        );
        let plan = plan(&lots, &shipments);
        let theirs = &plan.partners["prt_a"];
        let l1 = theirs.iter().find(|l| l.lot_code == "L1").expect("L1");
        assert_eq!((l1.shipped, l1.unit.as_str()), (10, "CS"), "never 34 CS");
        assert_eq!(plan.parked.len(), 1, "{:?}", plan.parked);
        assert_eq!(plan.parked[0].row, Some(3));
        // Two partners in different units of one lot: the rollup would add them up.
        let across = [
            shipment(2, "prt_a", "L2", 5, "EA"),
            shipment(3, "prt_b", "L2", 2, "CS"),
        ];
        assert_eq!(mixed_units(&lots, &across)[0].units, vec!["CS", "EA"]);
        // One unit (blank rows reading as the lot's): nothing mixed, quantities added.
        let same = [
            shipment(2, "prt_a", "L2", 5, "EA"),
            shipment(3, "prt_a", "L2", 2, ""),
        ];
        assert!(mixed_units(&lots, &same).is_empty());
        assert_eq!(super::plan(&lots, &same).partners["prt_a"][0].shipped, 7);
    }

    #[test]
    fn hours_above_a_year_are_refused_by_name_and_arithmetic_never_panics() {
        let mut values = NamedAttributes::new();
        values.insert(attr::RECALL_ID.into(), "RC-1".into());
        values.insert(
            attr::ESCALATE_AFTER_HOURS.into(),
            AttributeValue::Integer(MAX_HOURS),
        );
        let sheet = RecallSheet::read(&values).expect("reads");
        assert_eq!(sheet.check_hours(), Ok(()));
        values.insert(
            attr::ESCALATE_AFTER_HOURS.into(),
            AttributeValue::Integer(i64::MAX),
        );
        let sheet = RecallSheet::read(&values).expect("reads");
        let refusal = sheet.check_hours().expect_err("refused");
        assert!(refusal.contains("`Escalate After Hours`"), "{refusal}");
        values.insert(
            attr::RESPONSE_DUE_HOURS.into(),
            AttributeValue::Integer(MAX_HOURS + 1),
        );
        let refusal = RecallSheet::read(&values)
            .expect("reads")
            .check_hours()
            .expect_err("refused");
        assert!(refusal.contains("`Response Due Hours`"), "{refusal}");
        let now = time::OffsetDateTime::UNIX_EPOCH;
        assert_eq!(hours(i64::MAX), None);
        assert_eq!(after_hours(now, i64::MAX / 3_600), None);
        assert_eq!(
            after_hours(now, 2),
            Some(now + time::Duration::seconds(7_200))
        );
    }

    #[test]
    fn an_amendment_sends_only_new_pairs_and_parks_changes() {
        let lots = [lot("L1"), lot("L2"), lot("L3")];
        let before = plan(
            &lots,
            &parse_distribution(
                "partner_id,lot_code,quantity\nprt_a,L1,10\nprt_b,L2,5\nprt_c,L1,7\n",
            )
            .expect("reads"),
        );
        let after = plan(
            &lots,
            &parse_distribution(
                "partner_id,lot_code,quantity\nprt_a,L1,10\nprt_a,L3,2\nprt_b,L2,6\nprt_d,L3,1\nprt_d,L1,4\n",
            )
            .expect("reads"),
        );
        let delta = delta(std::slice::from_ref(&before), &after);
        let sent: Vec<(String, Vec<String>)> = delta
            .partners
            .iter()
            .map(|(p, l)| (p.clone(), l.iter().map(|l| l.lot_code.clone()).collect()))
            .collect();
        assert_eq!(
            sent,
            vec![
                ("prt_a".to_owned(), vec!["L3".to_owned()]),
                ("prt_d".to_owned(), vec!["L3".to_owned(), "L1".to_owned()]),
            ]
        );
        assert_eq!(delta.parked.len(), 2, "{:?}", delta.parked);
        assert!(
            delta
                .parked
                .iter()
                .any(|p| p.partner_id == "prt_b" && p.reason.contains("from 5 to 6"))
        );
        assert!(
            delta
                .parked
                .iter()
                .any(|p| p.partner_id == "prt_c" && p.reason.contains("gone"))
        );
        assert_eq!(
            super::delta(std::slice::from_ref(&after), &after),
            Plan::default(),
            "no change, no delta"
        );
    }

    fn lot(code: &str) -> Lot {
        Lot {
            gtin: "04012345000017".into(),
            material: "M-SEAL-300".into(),
            lot_code: code.into(),
            quantity: 1000,
            unit: "EA".into(),
            production_date: None,
            expiry_date: None,
        }
    }

    #[test]
    fn a_distribution_reads_with_quotes_extra_columns_and_any_column_order() {
        let text = "Lot_Code,partner_id,note,quantity,unit\nL1,prt_a,\"say \"\"hi\"\", ok\",10,EA\n\nL2,prt_b,,5,\n";
        let rows = parse_distribution(text).expect("reads");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].partner_id, "prt_a");
        assert_eq!(rows[0].lot_code, "L1");
        assert_eq!(rows[0].quantity, 10);
        assert_eq!(rows[1].row, 4);
        assert_eq!(rows[1].unit, "");
    }

    #[test]
    fn distribution_errors_name_row_and_column() {
        let error = parse_distribution("partner_id,lot_code,quantity\nprt_a,L1,10\nprt_b,L1,ten\n")
            .expect_err("bad quantity");
        assert_eq!((error.row, error.column.as_str()), (3, "quantity"));
        assert!(
            error.to_string().contains("row 3, column quantity"),
            "{error}"
        );
        let error = parse_distribution("partner_id,quantity\nprt_a,10\n").expect_err("no lot");
        assert_eq!((error.row, error.column.as_str()), (1, "lot_code"));
        let error =
            parse_distribution("partner_id,lot_code,quantity\n,L1,3\n").expect_err("no partner");
        assert_eq!((error.row, error.column.as_str()), (2, "partner_id"));
        let error =
            parse_distribution("partner_id,lot_code,quantity,shipped_on\np,L1,3,tomorrow\n")
                .expect_err("bad date");
        assert_eq!(error.column, "shipped_on");
        assert!(parse_distribution("").is_err());
        assert!(parse_distribution("partner_id,lot_code,quantity\n\"p,L1,3\n").is_err());
    }

    #[test]
    fn the_plan_gives_each_partner_only_its_lots_and_parks_unknown_lots() {
        let shipments = parse_distribution(
            "partner_id,lot_code,quantity\nprt_a,L1,10\nprt_b,L2,5\nprt_a,L1,4\nprt_b,L9,1\n",
        )
        .expect("reads");
        let plan = plan(&[lot("L1"), lot("L2")], &shipments);
        assert_eq!(plan.partners.len(), 2);
        assert_eq!(plan.partners["prt_a"].len(), 1);
        assert_eq!(plan.partners["prt_a"][0].shipped, 14);
        assert_eq!(plan.partners["prt_b"][0].lot_code, "L2");
        assert_eq!(plan.parked.len(), 1);
        assert_eq!(plan.parked[0].row, Some(5));
        assert!(plan.parked[0].reason.contains("L9"));
    }

    #[test]
    fn statuses_read_in_any_case() {
        assert_eq!(
            RecallStatus::parse(" Pending_Approval "),
            Some(RecallStatus::PendingApproval)
        );
        assert_eq!(
            RecallStatus::parse("APPROVED"),
            Some(RecallStatus::Approved)
        );
        assert_eq!(RecallStatus::parse("maybe"), None);
    }
}
