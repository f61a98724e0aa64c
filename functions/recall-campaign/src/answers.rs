//! Partner answers as gridlink keeps them: the response form each campaign carries, every
//! answer as history (Trading Grid keeps only the latest), and the partner's state derived
//! from the newest answer by `responded_at` — so an older answer arriving late is recorded
//! but never regresses a newer state. Pure.
//!
//! # Form
//! Per lot `{lot}.on_hand`, `{lot}.quarantined`, `{lot}.returned`, `{lot}.destroyed`
//! (numbers); then `acknowledged` (required), `affected`, `further_distributed` (booleans),
//! `disposition_date` (date) and `evidence` (a file).
//!
//! Answers are read the way Trading Grid's form check accepts them: a boolean as JSON or as
//! the text `true` / `false`, a number as JSON or as text (`"10"`); a blank field (`null`,
//! `""`) is not given. A lot is answered when at least one of its four numbers is given, the
//! blank ones reading 0.
//!
//! # State
//! `invited` → `acknowledged` (acknowledged) → `impact_reported` (affected answered; a
//! partner not affected stays here, marked `affected: false`) → `quantities_reported` (all
//! four numbers for every lot) → `completed` (every lot's shipped quantity accounted for —
//! on hand + quarantined + returned + destroyed — and evidence returned) | `declined`.
//!
//! # Refused answers
//! A quantity below 0 is refused, and so is a value that does not read (a number that is not
//! finite, a yes/no that is neither): the answer is kept in the history (and filed), but its
//! quantities count for nothing — it never completes the partner, and the rollup neither
//! counts them nor hides another partner's gap with them. [`Answer::refusals`] names each
//! such field (and its lot); the rollup lists them for the partner, and a partner whose latest
//! answer does not read is still reminded and escalated ([`answered`]).

use gridlink_tgrid::model::{FieldType, FormField, ResponseForm};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::recall::PartnerLot;

/// The four quantities asked per lot.
pub const QUANTITIES: [&str; 4] = ["on_hand", "quarantined", "returned", "destroyed"];

/// The form for one partner's lots.
pub fn response_form(lots: &[PartnerLot]) -> ResponseForm {
    let field = |name: String, label: String, field_type, required| FormField {
        name,
        label,
        field_type,
        required,
    };
    let mut fields = vec![
        field(
            "acknowledged".into(),
            "We received this recall notice".into(),
            FieldType::Boolean,
            true,
        ),
        field(
            "affected".into(),
            "We hold or received affected product".into(),
            FieldType::Boolean,
            false,
        ),
        field(
            "further_distributed".into(),
            "We distributed affected product further (and notified our customers)".into(),
            FieldType::Boolean,
            false,
        ),
        field(
            "disposition_date".into(),
            "Date of disposition".into(),
            FieldType::Date,
            false,
        ),
        field(
            "evidence".into(),
            "Evidence of remediation (photo, destruction certificate)".into(),
            FieldType::Attachment,
            false,
        ),
    ];
    for lot in lots {
        for quantity in QUANTITIES {
            fields.push(field(
                format!("{}.{quantity}", lot.lot_code),
                format!(
                    "Lot {} ({} shipped {} {}): {}",
                    lot.lot_code,
                    lot.material,
                    lot.shipped,
                    lot.unit,
                    quantity.replace('_', " ")
                ),
                FieldType::Number,
                false,
            ));
        }
    }
    ResponseForm { fields }
}

/// One answer of a partner, as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// When the partner answered (RFC 3339, UTC).
    pub responded_at: String,
    /// The partner declined the campaign.
    pub declined: bool,
    /// The form as answered.
    pub form_data: Map<String, Value>,
    /// Files returned with it.
    pub attachment_ids: Vec<String>,
    /// The TG event that carried it (the first seen).
    pub event_id: String,
    /// Recorded, but its filing in xECM is not confirmed yet (it failed, or the run stopped
    /// before it finished): the next deadlines run files it — once, under the same effect key
    /// — and clears this. Absent once filed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unfiled: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_false(value: &bool) -> bool {
    !*value
}

impl Answer {
    fn at(&self) -> OffsetDateTime {
        OffsetDateTime::parse(&self.responded_at, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The same answer (a redelivery, or the same answer reached another way).
    pub fn same_content(&self, other: &Answer) -> bool {
        self.at() == other.at()
            && self.declined == other.declined
            && self.form_data == other.form_data
            && self.attachment_ids == other.attachment_ids
    }

    /// A field as given: `None` when absent or blank (`null`, `""`), as Trading Grid's form
    /// check treats it.
    fn given(&self, name: &str) -> Option<&Value> {
        self.form_data
            .get(name)
            .filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
    }

    fn bool(&self, name: &str) -> Option<bool> {
        self.given(name).and_then(read_bool)
    }

    /// The four quantities of a lot, when the lot is answered: at least one of the four given,
    /// a blank one reading 0 (Trading Grid leaves optional numbers blank). `None` when none is
    /// given or one does not read as a number.
    pub fn quantities(&self, lot: &str) -> Option<[f64; 4]> {
        let mut out = [0.0; 4];
        let mut any = false;
        for (slot, name) in out.iter_mut().zip(QUANTITIES) {
            if let Some(value) = self.given(&format!("{lot}.{name}")) {
                *slot = read_number(value)?;
                any = true;
            }
        }
        any.then_some(out)
    }

    /// Whether the partner said it is affected (None: not answered).
    pub fn affected(&self) -> Option<bool> {
        self.bool("affected")
    }

    /// Why this answer's quantities are refused, each reason naming the lot and the field;
    /// empty when none is (a declined answer carries no quantities to refuse).
    pub fn refusals(&self, lots: &[PartnerLot]) -> Vec<String> {
        if self.declined {
            return Vec::new();
        }
        let mut out = Vec::new();
        for field in ["acknowledged", "affected"] {
            if let Some(value) = self.given(field)
                && read_bool(value).is_none()
            {
                out.push(format!("field {field}: {value} is not true or false"));
            }
        }
        for lot in lots {
            for quantity in QUANTITIES {
                let field = format!("{}.{quantity}", lot.lot_code);
                let Some(value) = self.given(&field) else {
                    continue;
                };
                match read_number(value) {
                    None => out.push(format!(
                        "lot {} field {field}: {value} is not a number",
                        lot.lot_code
                    )),
                    Some(number) if number < 0.0 => out.push(format!(
                        "lot {} field {field}: {number} is negative (a quantity is 0 or more)",
                        lot.lot_code
                    )),
                    Some(_) => {}
                }
            }
        }
        out
    }

    /// Whether gridlink can read this answer: declined, or nothing in it refused
    /// ([`Answer::refusals`]). A partner whose latest answer does not read is still chased.
    pub fn reads(&self, lots: &[PartnerLot]) -> bool {
        self.declined || self.refusals(lots).is_empty()
    }

    /// The four quantities of a lot that count: none when the answer is refused
    /// ([`Answer::refusals`]) or the lot's four are not all answered.
    pub fn counted_quantities(&self, lots: &[PartnerLot], lot: &str) -> Option<[f64; 4]> {
        if self.declined || !self.refusals(lots).is_empty() {
            return None;
        }
        self.quantities(lot)
    }
}

/// A yes/no as Trading Grid's form check accepts it: a JSON boolean or the text `true` /
/// `false` (case and surrounding blanks ignored).
fn read_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A number as Trading Grid's form check accepts it: a JSON number or a text that parses as
/// one (`"10"`, `"2.5"`); only finite numbers read (TG also passes `"inf"` and `"NaN"`).
fn read_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// Whether the partner answered in a way gridlink reads (its latest answer, see
/// [`Answer::reads`]): if not — no answer, or one that does not read — it is still reminded
/// and escalated.
pub fn answered(lots: &[PartnerLot], history: &[Answer]) -> bool {
    history.last().is_some_and(|a| a.reads(lots))
}

/// Adds `answer` to `history` unless the same answer is there (a redelivery); keeps the
/// history ordered by `responded_at`. `true` when it was added.
pub fn record(history: &mut Vec<Answer>, answer: Answer) -> bool {
    if history.iter().any(|a| a.same_content(&answer)) {
        return false;
    }
    history.push(answer);
    history.sort_by(|a, b| a.at().cmp(&b.at()).then(a.event_id.cmp(&b.event_id)));
    true
}

/// Where a partner stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerState {
    /// Invited, no answer yet.
    Invited,
    /// Acknowledged the notice.
    Acknowledged,
    /// Said whether it is affected.
    ImpactReported,
    /// Reported all quantities.
    QuantitiesReported,
    /// Every shipped unit accounted for, evidence returned.
    Completed,
    /// Declined.
    Declined,
}

/// The state the newest answer (by `responded_at`) puts a partner in.
// Quantities are far below 2^52: the conversion to f64 is exact.
#[allow(clippy::cast_precision_loss)]
pub fn state(lots: &[PartnerLot], history: &[Answer]) -> PartnerState {
    let Some(latest) = history.last() else {
        return PartnerState::Invited;
    };
    if latest.declined {
        return PartnerState::Declined;
    }
    if latest.bool("acknowledged") != Some(true) {
        return PartnerState::Invited;
    }
    match latest.affected() {
        None => PartnerState::Acknowledged,
        Some(false) => PartnerState::ImpactReported,
        Some(true) => {
            // A refused answer (a negative quantity) reports no quantities: it never completes.
            let quantities: Option<Vec<[f64; 4]>> = lots
                .iter()
                .map(|l| latest.counted_quantities(lots, &l.lot_code))
                .collect();
            let Some(quantities) = quantities else {
                return PartnerState::ImpactReported;
            };
            let accounted = lots
                .iter()
                .zip(&quantities)
                .all(|(lot, q)| q.iter().sum::<f64>() >= lot.shipped as f64);
            let evidence = !latest.attachment_ids.is_empty()
                || latest
                    .given("evidence")
                    .is_some_and(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()));
            if accounted && evidence {
                PartnerState::Completed
            } else {
                PartnerState::QuantitiesReported
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lots() -> Vec<PartnerLot> {
        vec![PartnerLot {
            lot_code: "L1".into(),
            gtin: String::new(),
            material: "M".into(),
            shipped: 10,
            unit: "EA".into(),
        }]
    }

    fn answer(at: &str, data: &Value, files: &[&str]) -> Answer {
        Answer {
            responded_at: at.into(),
            declined: false,
            form_data: data.as_object().cloned().unwrap_or_default(),
            attachment_ids: files.iter().map(|s| (*s).to_owned()).collect(),
            event_id: format!("evt_{at}"),
            unfiled: false,
        }
    }

    #[test]
    fn the_form_asks_four_quantities_per_lot_and_the_common_fields() {
        let form = response_form(&lots());
        let names: Vec<_> = form.fields.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&"L1.quarantined"));
        assert!(names.contains(&"evidence"));
        assert_eq!(form.fields.len(), 5 + 4);
    }

    #[test]
    fn a_late_older_answer_is_kept_but_does_not_regress_the_state() {
        let mut history = Vec::new();
        let full = json!({"acknowledged": true, "affected": true, "L1.on_hand": 0, "L1.quarantined": 2, "L1.returned": 3, "L1.destroyed": 5});
        assert!(record(
            &mut history,
            answer("2026-12-02T10:00:00Z", &full, &["att_1"])
        ));
        assert_eq!(state(&lots(), &history), PartnerState::Completed);
        assert!(record(
            &mut history,
            answer("2026-12-02T09:00:00Z", &json!({"acknowledged": true}), &[])
        ));
        assert_eq!(history.len(), 2);
        assert_eq!(state(&lots(), &history), PartnerState::Completed);
        assert!(!record(
            &mut history,
            answer("2026-12-02T09:00:00Z", &json!({"acknowledged": true}), &[])
        ));
        assert_eq!(history.len(), 2, "a redelivery is not a new answer");
    }

    #[test]
    fn states_follow_the_ladder() {
        let l = lots();
        let one = |data| vec![answer("2026-12-02T10:00:00Z", &data, &[])];
        assert_eq!(state(&l, &[]), PartnerState::Invited);
        assert_eq!(
            state(&l, &one(json!({"acknowledged": true}))),
            PartnerState::Acknowledged
        );
        assert_eq!(
            state(&l, &one(json!({"acknowledged": true, "affected": false}))),
            PartnerState::ImpactReported
        );
        let short = json!({"acknowledged": true, "affected": true, "L1.on_hand": 1, "L1.quarantined": 0, "L1.returned": 0, "L1.destroyed": 0});
        assert_eq!(state(&l, &one(short)), PartnerState::QuantitiesReported);
        let mut declined = answer("2026-12-02T11:00:00Z", &json!({}), &[]);
        declined.declined = true;
        assert_eq!(state(&l, &[declined]), PartnerState::Declined);
    }

    #[test]
    fn a_negative_quantity_is_refused_by_lot_and_field_and_never_completes() {
        let l = lots();
        // 10 shipped: 20 destroyed and -10 returned sum to 10, but the answer is refused.
        let negative = json!({"acknowledged": true, "affected": true, "L1.on_hand": 0, "L1.quarantined": 0, "L1.returned": -10, "L1.destroyed": 20});
        let history = vec![answer("2026-12-02T10:00:00Z", &negative, &["att_1"])];
        let refusals = history[0].refusals(&l);
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(
            refusals[0].contains("lot L1") && refusals[0].contains("L1.returned"),
            "{refusals:?}"
        );
        assert_eq!(history[0].counted_quantities(&l, "L1"), None);
        assert_eq!(state(&l, &history), PartnerState::ImpactReported);
    }

    #[test]
    fn answers_read_as_trading_grids_form_check_accepts_them() {
        let l = lots();
        let one = |data| vec![answer("2026-12-02T10:00:00Z", &data, &["att_1"])];
        // Texts for booleans and numbers, blank optional numbers reading 0.
        let texts = json!({"acknowledged": "true", "affected": "true", "L1.on_hand": "", "L1.quarantined": null, "L1.returned": "4", "L1.destroyed": " 6 "});
        let history = one(texts);
        assert_eq!(history[0].quantities("L1"), Some([0.0, 0.0, 4.0, 6.0]));
        assert!(answered(&l, &history));
        assert_eq!(state(&l, &history), PartnerState::Completed);
        assert_eq!(
            state(
                &l,
                &one(json!({"acknowledged": "true", "affected": "false"}))
            ),
            PartnerState::ImpactReported
        );
        // Nothing of the lot given: not reported.
        let blank =
            json!({"acknowledged": true, "affected": true, "L1.on_hand": "", "L1.destroyed": ""});
        assert_eq!(state(&l, &one(blank)), PartnerState::ImpactReported);
        // What TG passes but does not read as a quantity: refused, by field, and chased.
        let infinite = json!({"acknowledged": true, "affected": true, "L1.destroyed": "inf"});
        let history = one(infinite);
        let refusals = history[0].refusals(&l);
        assert!(
            refusals.len() == 1 && refusals[0].contains("L1.destroyed"),
            "{refusals:?}"
        );
        assert!(!answered(&l, &history));
        assert_eq!(state(&l, &history), PartnerState::ImpactReported);
        assert!(!answered(&l, &[]));
    }
}
